//! The shared priority list, overrides and accountability.

use std::sync::Arc;

use samprio_proto::reply::Reply;
use samprio_proto::server::priority_service_server::PriorityService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert::overrides as co;
use super::{convert, ctx, reply, status};
use crate::domain::read_model::Views;
use crate::domain::{overrides, priorities};
use crate::store::Store;

pub struct Priorities {
    pub store: Arc<dyn Store>,
    pub overviews: overrides::OverviewCache,
    /// Shared lists and effective lists as sent (encoded), per revision of
    /// the log.
    pub lists: Views<Reply<pb::PriorityList>>,
    pub effective: Views<Reply<pb::EffectiveList>>,
}

type R<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl PriorityService for Priorities {
    async fn get_priority_list(&self, req: Request<pb::GetPriorityListRequest>) -> R<Reply<pb::PriorityList>> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            priorities::get_view(
                &*self.store,
                &ctx,
                &r.cooperation_id,
                r.revision,
                &self.lists,
                |list, proposals| Reply::encode(&convert::priority_list(list, proposals)),
            )
            .await,
            Arc::unwrap_or_clone,
        )
    }

    async fn set_override(&self, req: Request<pb::SetOverrideRequest>) -> R<pb::Override> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let spec = co::spec(r.spec).map_err(status)?;
        reply(
            overrides::set(&*self.store, &ctx, &r.cooperation_id, spec, &r.etag).await,
            co::override_,
        )
    }

    async fn revoke_override(&self, req: Request<pb::RevokeOverrideRequest>) -> R<pb::Override> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            overrides::revoke(&*self.store, &ctx, &r.id, &r.justification, &r.board_resolution).await,
            co::override_,
        )
    }

    async fn reconfirm_override(&self, req: Request<pb::ReconfirmOverrideRequest>) -> R<pb::Override> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            overrides::reconfirm(&*self.store, &ctx, &r.id, &r.board_resolution).await,
            co::override_,
        )
    }

    async fn get_override(&self, req: Request<pb::GetOverrideRequest>) -> R<pb::Override> {
        let ctx = ctx(&req, "")?;
        reply(
            overrides::get(&*self.store, &ctx, &req.get_ref().id).await,
            co::override_,
        )
    }

    async fn list_overrides(&self, req: Request<pb::ListOverridesRequest>) -> R<pb::ListOverridesResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.into_inner();
        let q = overrides::ListQuery {
            cooperation_id: r.cooperation_id,
            municipality: r.municipality,
            proposal_id: r.proposal_id,
            include_inactive: r.include_inactive,
            page_size: r.page_size,
            page_token: r.page_token,
        };
        reply(overrides::list(&*self.store, &ctx, q).await, |(os, next)| {
            pb::ListOverridesResponse {
                overrides: os.into_iter().map(co::override_).collect(),
                next_page_token: next,
            }
        })
    }

    async fn list_override_history(
        &self,
        req: Request<pb::ListOverrideHistoryRequest>,
    ) -> R<pb::ListOverrideHistoryResponse> {
        let ctx = ctx(&req, "")?;
        reply(overrides::history(&*self.store, &ctx, &req.get_ref().id).await, |vs| {
            pb::ListOverrideHistoryResponse {
                versions: vs.into_iter().map(co::override_).collect(),
            }
        })
    }

    async fn get_effective_list(&self, req: Request<pb::GetEffectiveListRequest>) -> R<Reply<pb::EffectiveList>> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        let view = overrides::effective_list_view(
            &*self.store,
            &ctx,
            &r.cooperation_id,
            &r.municipality,
            &r.as_of,
            &self.effective,
            |list| Reply::encode(&co::effective_list(list)),
        );
        reply(view.await, Arc::unwrap_or_clone)
    }

    async fn get_accountability_report(
        &self,
        req: Request<pb::GetAccountabilityReportRequest>,
    ) -> R<pb::AccountabilityReport> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            overrides::accountability(&*self.store, &ctx, &r.cooperation_id, &r.municipality).await,
            co::accountability,
        )
    }

    async fn get_cooperation_overview(
        &self,
        req: Request<pb::GetCooperationOverviewRequest>,
    ) -> R<pb::CooperationOverview> {
        let ctx = ctx(&req, "")?;
        reply(
            overrides::overview(&*self.store, &ctx, &req.get_ref().cooperation_id, &self.overviews).await,
            |v| co::overview(Arc::unwrap_or_clone(v)),
        )
    }
}
