use std::sync::Arc;

use samprio_proto::server::cooperation_service_server::CooperationService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::{convert, ctx, reply, status};
use crate::domain::cooperations as ops;
use crate::store::Store;

pub struct Cooperations {
    pub store: Arc<dyn Store>,
}

type R<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl CooperationService for Cooperations {
    async fn create_cooperation(&self, req: Request<pb::CreateCooperationRequest>) -> R<pb::Cooperation> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let rules = convert::rules("rules", r.rules.as_ref()).map_err(status)?;
        let new = ops::NewCooperation {
            id: r.id,
            name: r.name,
            rules,
            member_codes: r.member_codes,
            member_region: r.member_region,
        };
        reply(ops::create(&*self.store, &ctx, new).await, convert::cooperation)
    }

    async fn get_cooperation(&self, req: Request<pb::GetCooperationRequest>) -> R<pb::Cooperation> {
        let ctx = ctx(&req, "")?;
        reply(
            ops::get(&*self.store, &ctx, &req.get_ref().id).await,
            convert::cooperation,
        )
    }

    async fn list_cooperations(&self, req: Request<pb::ListCooperationsRequest>) -> R<pb::ListCooperationsResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            ops::list(&*self.store, &ctx, r.page_size, &r.page_token).await,
            |(cs, next)| pb::ListCooperationsResponse {
                cooperations: cs.into_iter().map(convert::cooperation).collect(),
                next_page_token: next,
            },
        )
    }

    async fn update_cooperation(&self, req: Request<pb::UpdateCooperationRequest>) -> R<pb::Cooperation> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let rules = match &r.rules {
            Some(x) => Some(convert::rules("rules", Some(x)).map_err(status)?),
            None => None,
        };
        let u = ops::CooperationUpdate {
            id: r.id,
            name: Some(r.name).filter(|n| !n.is_empty()),
            rules,
            etag: r.etag,
        };
        reply(ops::update(&*self.store, &ctx, u).await, convert::cooperation)
    }

    async fn add_member(&self, req: Request<pb::AddMemberRequest>) -> R<pb::Member> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let new = ops::NewMember {
            cooperation_id: r.cooperation_id,
            code: r.code,
            name: r.name,
            population: r.population,
            population_date: r.population_date,
            custom_weight: r.custom_weight,
            joined_on: r.joined_on,
        };
        reply(ops::add_member(&*self.store, &ctx, new).await, convert::member)
    }

    async fn update_member(&self, req: Request<pb::UpdateMemberRequest>) -> R<pb::Member> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let u = ops::MemberUpdate {
            cooperation_id: r.cooperation_id,
            code: r.code,
            name: Some(r.name).filter(|n| !n.is_empty()),
            population: r.population,
            population_date: r.population_date,
            custom_weight: r.custom_weight,
            etag: r.etag,
        };
        reply(ops::update_member(&*self.store, &ctx, u).await, convert::member)
    }

    async fn remove_member(&self, req: Request<pb::RemoveMemberRequest>) -> R<pb::Member> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            ops::remove_member(&*self.store, &ctx, &r.cooperation_id, &r.code, &r.left_on).await,
            convert::member,
        )
    }

    async fn get_member(&self, req: Request<pb::GetMemberRequest>) -> R<pb::Member> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            ops::get_member(&*self.store, &ctx, &r.cooperation_id, &r.code).await,
            convert::member,
        )
    }

    async fn list_members(&self, req: Request<pb::ListMembersRequest>) -> R<pb::ListMembersResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        let res = ops::list_members(
            &*self.store,
            &ctx,
            &r.cooperation_id,
            r.include_departed,
            r.page_size,
            &r.page_token,
        )
        .await;
        reply(res, |(ms, next)| pb::ListMembersResponse {
            members: ms.into_iter().map(convert::member).collect(),
            next_page_token: next,
        })
    }
}
