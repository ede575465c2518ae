//! The shared priority list, overrides and accountability. Methods not yet
//! built answer UNIMPLEMENTED through the generated default stubs.

use std::sync::Arc;

use samprio_proto::v1::priority_service_server::PriorityService;

use crate::store::Store;

pub struct Priorities {
    pub store: Arc<dyn Store>,
}

#[tonic::async_trait]
impl PriorityService for Priorities {}
