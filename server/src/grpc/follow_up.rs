//! Follow-up: members' implementation records and the follow-up report.

use std::sync::Arc;

use samprio_proto::server::follow_up_service_server::FollowUpService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert::follow_up as cf;
use super::{ctx, reply, status};
use crate::domain::model::SessionKind;
use crate::domain::{follow_up, sessions};
use crate::store::Store;

pub struct FollowUp {
    pub store: Arc<dyn Store>,
    /// From the server's configuration (`follow_up.stale_after_days`).
    pub stale_after_days: u32,
}

type R<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl FollowUpService for FollowUp {
    async fn update_implementation(&self, req: Request<pb::UpdateImplementationRequest>) -> R<pb::Implementation> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        let spec = cf::spec(r).map_err(status)?;
        reply(
            follow_up::update(
                &*self.store,
                &ctx,
                &follow_up::RecordKey {
                    cooperation_id: r.cooperation_id.clone(),
                    proposal_id: r.proposal_id.clone(),
                    municipality: r.municipality.clone(),
                },
                spec,
                &r.etag,
                self.stale_after_days,
            )
            .await,
            cf::implementation,
        )
    }

    async fn get_implementation(&self, req: Request<pb::GetImplementationRequest>) -> R<pb::Implementation> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            follow_up::get(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                &r.proposal_id,
                &r.municipality,
                self.stale_after_days,
            )
            .await,
            cf::implementation,
        )
    }

    async fn list_implementations(
        &self,
        req: Request<pb::ListImplementationsRequest>,
    ) -> R<pb::ListImplementationsResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.into_inner();
        let q = follow_up::ListQuery {
            cooperation_id: r.cooperation_id,
            proposal_id: r.proposal_id,
            municipality: r.municipality,
            as_of: r.as_of,
        };
        reply(
            follow_up::list(&*self.store, &ctx, q, self.stale_after_days).await,
            |(as_of, vs)| pb::ListImplementationsResponse {
                as_of,
                implementations: vs.into_iter().map(cf::implementation).collect(),
            },
        )
    }

    async fn create_follow_up_session(&self, req: Request<pb::CreateFollowUpSessionRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let scheduled_time = r
            .scheduled_time
            .as_ref()
            .map(|t| super::convert::micros("scheduled_time", t))
            .transpose()
            .map_err(status)?;
        let new = sessions::NewSession {
            cooperation_id: r.cooperation_id,
            title: r.title,
            scheduled_time,
            agenda: vec![],
            kind: SessionKind::FollowUp,
        };
        reply(
            sessions::create(&*self.store, &ctx, new).await,
            super::convert::sessions::session,
        )
    }

    async fn get_follow_up_report(&self, req: Request<pb::GetFollowUpReportRequest>) -> R<pb::FollowUpReport> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            follow_up::report(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                &r.as_of,
                &r.since,
                self.stale_after_days,
            )
            .await,
            cf::report,
        )
    }
}
