//! The shared priority list, overrides and accountability. Methods not yet
//! built answer UNIMPLEMENTED through the generated default stubs.

use std::sync::Arc;

use samprio_proto::v1 as pb;
use samprio_proto::v1::priority_service_server::PriorityService;
use tonic::{Request, Response, Status};

use super::{convert, ctx, reply};
use crate::domain::priorities;
use crate::store::Store;

pub struct Priorities {
    pub store: Arc<dyn Store>,
}

type R<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl PriorityService for Priorities {
    async fn get_priority_list(&self, req: Request<pb::GetPriorityListRequest>) -> R<pb::PriorityList> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            priorities::get(&*self.store, &ctx, &r.cooperation_id, r.revision).await,
            |(list, proposals)| convert::priority_list(&list, &proposals),
        )
    }
}
