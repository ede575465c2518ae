//! The parts of KITOS's public REST API v2 that the import reads, with the
//! exact JSON names KITOS sends: its Web API serialises the C# DTOs of
//! `Presentation.Web/Models/API/V2/Response/...` (os2kitos/kitos) with
//! camel-cased property names and enums as their C# names
//! (`StringEnumConverter`), and the v1 token endpoint wraps its answer in
//! `ApiReturnDTO` (`{"msg": .., "response": ..}`).
//!
//! Fields the import does not use are left out (serde ignores them);
//! everything KITOS may send as `null` is an `Option`.

use serde::{Deserialize, Serialize};

/// `ApiReturnDTO<T>` of KITOS's v1 API.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiReturn<T> {
    #[serde(default)]
    pub msg: Option<String>,
    pub response: T,
}

/// `UserCredentialsDTO`: the body of `POST /api/authorize/GetToken`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCredentials {
    pub email: String,
    pub password: String,
}

/// `GetTokenResponseDTO`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GetTokenResponse {
    pub token: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub login_successful: bool,
    /// KITOS tokens live 24 hours.
    #[serde(default)]
    pub expires: Option<String>,
}

/// `IdentityNamePairResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityNamePair {
    pub uuid: String,
    pub name: String,
}

/// `ShallowOrganizationResponseDTO` / `OrganizationResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    pub uuid: String,
    pub name: String,
    #[serde(default)]
    pub cvr: Option<String>,
    /// `Municipality`, `CommunityOfInterest`, `Company`, `OtherPublicAuthority`.
    #[serde(default)]
    pub organization_type: Option<String>,
}

/// `ItSystemUsageResponseDTO` (`GET /api/v2/it-system-usages`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItSystemUsage {
    pub uuid: String,
    /// UTC timestamp of the latest change (`2026-05-01T08:00:00Z`).
    pub last_modified: String,
    /// The IT system this usage is of; its name is the system's name.
    pub system_context: IdentityNamePair,
    pub organization_context: Organization,
    pub general: GeneralData,
    #[serde(rename = "gdpr", default)]
    pub gdpr: Option<GdprRegistrations>,
}

/// `GeneralDataResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneralData {
    #[serde(default)]
    pub local_call_name: Option<String>,
    pub validity: ItSystemUsageValidity,
    #[serde(default)]
    pub main_contract: Option<IdentityNamePair>,
    /// `YesNoUndecidedChoice`: `No`, `Yes`, `Undecided`.
    #[serde(rename = "containsAITechnology", default)]
    pub contains_ai_technology: Option<String>,
}

/// `ItSystemUsageValidityResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItSystemUsageValidity {
    pub valid: bool,
    #[serde(default)]
    pub valid_according_to_validity_period: bool,
    #[serde(default)]
    pub valid_according_to_life_cycle: bool,
    #[serde(default)]
    pub valid_according_to_main_contract: bool,
    /// `LifeCycleStatusChoice`: `Undecided`, `NotInUse`, `PhasingIn`,
    /// `Operational`, `PhasingOut`.
    #[serde(default)]
    pub life_cycle_status: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Valid up to and including this date.
    #[serde(default)]
    pub valid_to: Option<String>,
}

/// `GDPRRegistrationsResponseDTO` (only what the import reads).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GdprRegistrations {
    /// `DataSensitivityLevelChoice`: `None`, `PersonData`, `SensitiveData`,
    /// `LegalData`.
    #[serde(default)]
    pub data_sensitivity_levels: Vec<String>,
}

/// `ItSystemResponseDTO` (`GET /api/v2/it-systems`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItSystem {
    pub uuid: String,
    pub name: String,
    /// The system's business type, e.g. `ESDH`.
    #[serde(default)]
    pub business_type: Option<IdentityNamePair>,
    /// Rettighedshaver: who owns the rights to the system.
    #[serde(default)]
    pub rights_holder: Option<Organization>,
    #[serde(default)]
    pub deactivated: bool,
}

/// `ItContractResponseDTO` (`GET /api/v2/it-contracts`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItContract {
    pub uuid: String,
    pub name: String,
    pub general: ContractGeneralData,
    #[serde(default)]
    pub supplier: Option<ContractSupplierData>,
    #[serde(default)]
    pub system_usages: Vec<IdentityNamePair>,
    #[serde(default)]
    pub termination: Option<ContractTerminationData>,
    #[serde(default)]
    pub payments: Option<ContractPaymentsData>,
}

/// `ContractGeneralDataResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractGeneralData {
    pub validity: ContractValidity,
}

/// `ContractValidityResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractValidity {
    pub valid: bool,
    #[serde(default)]
    pub valid_from: Option<String>,
    #[serde(default)]
    pub valid_to: Option<String>,
}

/// `ContractSupplierDataResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractSupplierData {
    #[serde(default)]
    pub organization: Option<Organization>,
}

/// `ContractTerminationDataResponseDTO`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractTerminationData {
    #[serde(default)]
    pub terminated_at: Option<String>,
}

/// `ContractPaymentsDataResponseDTO`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractPaymentsData {
    #[serde(default)]
    pub external: Vec<Payment>,
    #[serde(default)]
    pub internal: Vec<Payment>,
}

/// `PaymentResponseDTO`: amounts in whole kroner; `operation` is the yearly
/// operating cost ("Drift/år").
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    #[serde(default)]
    pub acquisition: i64,
    #[serde(default)]
    pub operation: i64,
    #[serde(default)]
    pub other: i64,
}

/// `TrackingEventResponseDTO` (`GET /api/v2/delta-feed/deleted-entities`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingEvent {
    pub occurred_at_utc: String,
    pub entity_uuid: String,
    /// `TrackedEntityTypeChoice`: `ItSystem`, `ItSystemUsage`, `ItInterface`,
    /// `ItContract`, `DataProcessingRegistration`, `OrganizationUnit`.
    pub entity_type: String,
}
