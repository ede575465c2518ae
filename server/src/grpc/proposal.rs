use std::sync::Arc;

use samprio_proto::reply::Reply;
use samprio_proto::server::proposal_service_server::ProposalService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::{convert, ctx, reply, status};
use crate::domain::proposals as ops;
use crate::domain::read_model::Views;
use crate::store::Store;

pub struct Proposals {
    pub store: Arc<dyn Store>,
    /// Pages of ListProposals kept while their cooperation's log has not moved.
    pub pages: Views<Reply<pb::ListProposalsResponse>>,
}

type R<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl ProposalService for Proposals {
    async fn create_proposal(&self, req: Request<pb::CreateProposalRequest>) -> R<pb::Proposal> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let content = convert::proposal_content(r.content).map_err(status)?;
        reply(
            ops::create(&*self.store, &ctx, &r.cooperation_id, content).await,
            convert::proposal,
        )
    }

    async fn update_proposal(&self, req: Request<pb::UpdateProposalRequest>) -> R<pb::Proposal> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let content = convert::proposal_content(r.content).map_err(status)?;
        reply(
            ops::update(&*self.store, &ctx, &r.id, content, &r.etag).await,
            convert::proposal,
        )
    }

    async fn submit_proposal(&self, req: Request<pb::SubmitProposalRequest>) -> R<pb::Proposal> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(ops::submit(&*self.store, &ctx, &r.id, &r.etag).await, convert::proposal)
    }

    async fn withdraw_proposal(&self, req: Request<pb::WithdrawProposalRequest>) -> R<pb::Proposal> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            ops::withdraw(&*self.store, &ctx, &r.id, &r.reason).await,
            convert::proposal,
        )
    }

    async fn get_proposal(&self, req: Request<pb::GetProposalRequest>) -> R<pb::Proposal> {
        let ctx = ctx(&req, "")?;
        reply(ops::get(&*self.store, &ctx, &req.get_ref().id).await, convert::proposal)
    }

    async fn list_proposals(&self, req: Request<pb::ListProposalsRequest>) -> R<Reply<pb::ListProposalsResponse>> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        let st = convert::proposal_status("status", r.status).map_err(status)?;
        let res = ops::list_view(
            &*self.store,
            &ctx,
            &r.cooperation_id,
            st,
            (r.page_size, &r.page_token),
            &self.pages,
            |ps, next| {
                Reply::encode(&pb::ListProposalsResponse {
                    proposals: ps.into_iter().map(convert::proposal).collect(),
                    next_page_token: next,
                })
            },
        )
        .await;
        reply(res, Arc::unwrap_or_clone)
    }
}
