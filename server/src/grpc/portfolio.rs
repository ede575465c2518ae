use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use samprio_proto::server::portfolio_service_server::PortfolioService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert::portfolio as cv;
use super::{convert, ctx, reply, status};
use crate::config::KitosSettings;
use crate::domain::Error;
use crate::domain::portfolio::kitos_import;
use crate::domain::portfolio::shared::{self, Search};
use crate::domain::portfolio::systems::{self as ops, ListFilter};
use crate::kitos::{KitosClient, KitosConfig};
use crate::store::Store;

pub struct Portfolios {
    pub store: Arc<dyn Store>,
    pub kitos: KitosSettings,
    /// One client per KITOS API user, so that its token serves import
    /// after import until KITOS says it has expired.
    pub clients: Mutex<HashMap<String, Arc<KitosClient>>>,
    /// Opportunities kept while the cooperation's log has not moved.
    pub opportunities: shared::Kept,
}

type R<T> = Result<Response<T>, Status>;

impl Portfolios {
    /// The KITOS client of an import: the API user the request names, else
    /// the member's configured one, else the default.
    fn kitos_client(&self, municipality: &str, email: &str, password: &str) -> Result<Arc<KitosClient>, Error> {
        let k = &self.kitos;
        let (email, password) = if !email.is_empty() {
            (email.to_string(), password.to_string())
        } else if let Some(u) = k.members.get(municipality) {
            (u.email.clone(), u.password.clone())
        } else {
            (k.email.clone(), k.password.clone())
        };
        if email.is_empty() {
            return Err(Error::invalid(
                "email",
                format!(
                    "is required: no KITOS API user is configured for {municipality} (kitos.members.{municipality} or kitos.email)"
                ),
            ));
        }
        let key = hex::encode(Sha256::digest(format!("{email}\u{1f}{password}")));
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let mut cfg = KitosConfig::new(&k.base_url, &email, &password);
        cfg.page_size = k.page_size;
        cfg.retry_delay = Duration::from_millis(k.retry_delay_ms);
        let client = Arc::new(KitosClient::new(cfg).map_err(|e| Error::precondition(format!("KITOS settings: {e}")))?);
        clients.insert(key, client.clone());
        Ok(client)
    }
}

#[tonic::async_trait]
impl PortfolioService for Portfolios {
    async fn create_system(&self, req: Request<pb::CreateSystemRequest>) -> R<pb::PortfolioSystem> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let s = cv::system_fields("system", r.system).map_err(status)?;
        reply(
            ops::create(&*self.store, &ctx, &r.cooperation_id, &r.municipality, s).await,
            cv::system,
        )
    }

    async fn update_system(&self, req: Request<pb::UpdateSystemRequest>) -> R<pb::PortfolioSystem> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let s = cv::system_fields("system", r.system).map_err(status)?;
        reply(
            ops::update(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                &r.municipality,
                &r.id,
                s,
                &r.etag,
            )
            .await,
            cv::system,
        )
    }

    async fn delete_system(&self, req: Request<pb::DeleteSystemRequest>) -> R<pb::PortfolioSystem> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            ops::delete(&*self.store, &ctx, &r.cooperation_id, &r.municipality, &r.id, &r.etag).await,
            |s| cv::system((0, s)),
        )
    }

    async fn get_system(&self, req: Request<pb::GetSystemRequest>) -> R<pb::PortfolioSystem> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            ops::get(&*self.store, &ctx, &r.cooperation_id, &r.municipality, &r.id).await,
            cv::system,
        )
    }

    async fn list_systems(&self, req: Request<pb::ListSystemsRequest>) -> R<pb::ListSystemsResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.into_inner();
        let filter = ListFilter {
            time_class: cv::time_class("time_class", r.time_class).map_err(status)?,
            ai: cv::ai("ai", r.ai).map_err(status)?,
            contract_ends_before: r.contract_ends_before,
            vendor: r.vendor,
        };
        let res = ops::list(
            &*self.store,
            &ctx,
            &r.cooperation_id,
            &r.municipality,
            filter,
            r.page_size,
            &r.page_token,
        )
        .await;
        reply(res, |(systems, next)| pb::ListSystemsResponse {
            systems: systems.into_iter().map(cv::system).collect(),
            next_page_token: next,
        })
    }

    async fn import_from_kitos(&self, req: Request<pb::ImportFromKitosRequest>) -> R<pb::ImportReport> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        let client = self
            .kitos_client(&r.municipality, &r.email, &r.password)
            .map_err(status)?;
        reply(
            kitos_import::import_kitos(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                &r.municipality,
                &client,
                r.incremental,
            )
            .await,
            cv::import_report,
        )
    }

    async fn import_csv(&self, req: Request<pb::ImportCsvRequest>) -> R<pb::ImportReport> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            ops::import_csv(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                &r.municipality,
                &r.csv,
                r.replace,
            )
            .await,
            cv::import_report,
        )
    }

    async fn export_csv(&self, req: Request<pb::ExportCsvRequest>) -> R<pb::ExportCsvResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            ops::export_csv(&*self.store, &ctx, &r.cooperation_id, &r.municipality).await,
            |csv| pb::ExportCsvResponse { csv },
        )
    }

    async fn get_portfolio_overview(&self, req: Request<pb::GetPortfolioOverviewRequest>) -> R<pb::PortfolioOverview> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            shared::overview(&*self.store, &ctx, &r.cooperation_id, &r.municipality).await,
            cv::overview,
        )
    }

    async fn list_opportunities(&self, req: Request<pb::ListOpportunitiesRequest>) -> R<pb::ListOpportunitiesResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        let search = Search {
            min_members: r.min_members,
            window_months: r.window_months,
        };
        reply(
            shared::list_opportunities(&*self.store, &ctx, &r.cooperation_id, search, &self.opportunities).await,
            |found| pb::ListOpportunitiesResponse {
                member_count: found.member_count as u32,
                opportunities: found
                    .opportunities
                    .iter()
                    .map(|o| cv::opportunity(o.clone(), found.member_count))
                    .collect(),
            },
        )
    }

    async fn create_proposal_from_opportunity(
        &self,
        req: Request<pb::CreateProposalFromOpportunityRequest>,
    ) -> R<pb::Proposal> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        let overlap = cv::overlap("overlap", r.overlap).map_err(status)?;
        let search = Search {
            min_members: r.min_members,
            window_months: r.window_months,
        };
        reply(
            shared::create_proposal_from_opportunity(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                overlap,
                &r.label,
                search,
                &r.title,
            )
            .await,
            convert::proposal,
        )
    }

    async fn get_proposal_systems(&self, req: Request<pb::GetProposalSystemsRequest>) -> R<pb::ProposalSystems> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            shared::proposal_systems(&*self.store, &ctx, &r.proposal_id).await,
            |(linked, affected)| pb::ProposalSystems {
                linked: linked.into_iter().map(|s| cv::system((0, s))).collect(),
                affected: affected.into_iter().map(cv::affected).collect(),
            },
        )
    }
}
