//! Sessions, rounds and ballots. Methods not yet built answer UNIMPLEMENTED
//! through the generated default stubs.

use std::sync::Arc;

use samprio_proto::v1::session_service_server::SessionService;

use crate::store::Store;

pub struct Sessions {
    pub store: Arc<dyn Store>,
}

#[tonic::async_trait]
impl SessionService for Sessions {}
