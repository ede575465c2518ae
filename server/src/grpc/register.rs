//! The register of municipalities through gRPC: read-only facts built into
//! the server, open to every authenticated caller.

use samprio_proto::server::register_service_server::RegisterService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::status;
use crate::domain::Error;
use crate::domain::register::{self, Municipality};

pub struct Register;

type R<T> = Result<Response<T>, Status>;

fn municipality(m: &Municipality) -> pb::Municipality {
    pb::Municipality {
        code: m.code.clone(),
        name: m.name.clone(),
        region: m.region.clone(),
        region_key: m.region_key(),
        cvr: m.cvr.clone(),
        population: m.population,
        population_date: m.population_date.clone(),
    }
}

/// At most this much of a caller's input is quoted back in an error.
fn quoted(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    if short.len() < s.len() {
        format!("{short:?}…")
    } else {
        format!("{short:?}")
    }
}

#[tonic::async_trait]
impl RegisterService for Register {
    async fn list_municipalities(
        &self,
        req: Request<pb::ListMunicipalitiesRequest>,
    ) -> R<pb::ListMunicipalitiesResponse> {
        crate::auth::principal(&req)?;
        let region = req.get_ref().region.trim();
        let list: Vec<&Municipality> = if region.is_empty() {
            register::all().iter().collect()
        } else {
            let found = register::in_region(region);
            if found.is_empty() {
                return Err(status(Error::invalid(
                    "region",
                    format!(
                        "{} is not a Danish region; use hovedstaden, sjælland, syddanmark, midtjylland or nordjylland",
                        quoted(region)
                    ),
                )));
            }
            found
        };
        Ok(Response::new(pb::ListMunicipalitiesResponse {
            municipalities: list.into_iter().map(municipality).collect(),
        }))
    }

    async fn get_municipality(&self, req: Request<pb::GetMunicipalityRequest>) -> R<pb::Municipality> {
        crate::auth::principal(&req)?;
        use pb::get_municipality_request::Key;
        let found = match &req.get_ref().key {
            Some(Key::Code(code)) => {
                if !(3..=4).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(status(Error::invalid(
                        "code",
                        "must be a municipality code of 3-4 digits, such as \"0101\"",
                    )));
                }
                register::by_code(&register::padded_code(code)).ok_or_else(|| Error::not_found("municipality", code))
            }
            Some(Key::Cvr(cvr)) => {
                if cvr.len() != 8 || !cvr.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(status(Error::invalid("cvr", "must be eight digits")));
                }
                register::by_cvr(cvr).ok_or_else(|| Error::not_found("municipality with CVR", cvr))
            }
            None => Err(Error::invalid("key", "give a code or a cvr")),
        };
        found.map(|m| Response::new(municipality(m))).map_err(status)
    }
}
