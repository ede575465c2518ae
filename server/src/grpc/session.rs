//! Sessions, rounds and ballots.

use std::sync::Arc;

use samprio_proto::server::session_service_server::SessionService;
use samprio_proto::v1 as pb;
use tonic::{Request, Response, Status};

use super::convert::sessions as sc;
use super::{ctx, reply, status};
use crate::domain::sessions::{self as ops, rounds};
use crate::store::Store;

pub struct Sessions {
    pub store: Arc<dyn Store>,
    /// Follow-up sessions' minutes flag members silent this many days.
    pub stale_after_days: u32,
}

type R<T> = Result<Response<T>, Status>;

fn time(field: &str, t: Option<&samprio_proto::pbjson_types::Timestamp>) -> Result<Option<i64>, Status> {
    t.map(|t| super::convert::micros(field, t)).transpose().map_err(status)
}

#[tonic::async_trait]
impl SessionService for Sessions {
    async fn create_session(&self, req: Request<pb::CreateSessionRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let new = ops::NewSession {
            scheduled_time: time("scheduled_time", r.scheduled_time.as_ref())?,
            cooperation_id: r.cooperation_id,
            title: r.title,
            agenda: r.agenda,
            kind: Default::default(),
        };
        reply(ops::create(&*self.store, &ctx, new).await, sc::session)
    }

    async fn get_session(&self, req: Request<pb::GetSessionRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, "")?;
        reply(ops::get(&*self.store, &ctx, &req.get_ref().id).await, sc::session)
    }

    async fn list_sessions(&self, req: Request<pb::ListSessionsRequest>) -> R<pb::ListSessionsResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        let res = ops::list(&*self.store, &ctx, &r.cooperation_id, r.page_size, &r.page_token).await;
        reply(res, |(ss, next)| pb::ListSessionsResponse {
            sessions: ss.into_iter().map(sc::session).collect(),
            next_page_token: next,
        })
    }

    async fn set_agenda(&self, req: Request<pb::SetAgendaRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        reply(
            ops::set_agenda(&*self.store, &ctx, &r.id, r.agenda, &r.etag).await,
            sc::session,
        )
    }

    async fn open_session(&self, req: Request<pb::OpenSessionRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        reply(ops::open(&*self.store, &ctx, &req.get_ref().id).await, sc::session)
    }

    async fn check_in(&self, req: Request<pb::CheckInRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        reply(ops::check_in(&*self.store, &ctx, &req.get_ref().id).await, sc::session)
    }

    async fn close_session(&self, req: Request<pb::CloseSessionRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        reply(
            ops::close(&*self.store, &ctx, &req.get_ref().id, self.stale_after_days).await,
            sc::session,
        )
    }

    async fn get_minutes(&self, req: Request<pb::GetMinutesRequest>) -> R<pb::Minutes> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        let lang = sc::minutes_lang("lang", &r.lang).map_err(status)?;
        let format = sc::minutes_format("format", r.format).map_err(status)?;
        reply(
            ops::get_minutes(&*self.store, &ctx, &r.session_id, lang, format).await,
            sc::minutes,
        )
    }

    async fn set_minute_taker(&self, req: Request<pb::SetMinuteTakerRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            ops::set_minute_taker(&*self.store, &ctx, &r.id, &r.name).await,
            sc::session,
        )
    }

    async fn set_decision_note(&self, req: Request<pb::SetDecisionNoteRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            ops::set_note(&*self.store, &ctx, &r.id, &r.proposal_id, &r.note).await,
            sc::session,
        )
    }

    async fn approve_minutes(&self, req: Request<pb::ApproveMinutesRequest>) -> R<pb::Session> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(
            ops::approve_minutes(&*self.store, &ctx, &r.session_id, &r.approving_session_id).await,
            sc::session,
        )
    }

    async fn open_round(&self, req: Request<pb::OpenRoundRequest>) -> R<pb::Round> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let new = rounds::NewRound {
            method: sc::method("method", r.method).map_err(status)?,
            weighting: super::convert::weighting("weighting", r.weighting, false).map_err(status)?,
            threshold: sc::threshold("threshold", r.threshold).map_err(status)?,
            deadline: time("deadline", r.deadline.as_ref())?,
            session_id: r.session_id,
            title: r.title,
            candidates: r.candidates,
            quorum_bp: r.quorum_bp,
            budget_dkk: r.budget_dkk,
        };
        reply(rounds::open(&*self.store, &ctx, new).await, sc::round)
    }

    async fn get_round(&self, req: Request<pb::GetRoundRequest>) -> R<pb::Round> {
        let ctx = ctx(&req, "")?;
        reply(rounds::get(&*self.store, &ctx, &req.get_ref().id).await, sc::round)
    }

    async fn list_rounds(&self, req: Request<pb::ListRoundsRequest>) -> R<pb::ListRoundsResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        let res = rounds::list(&*self.store, &ctx, &r.session_id, r.page_size, &r.page_token).await;
        reply(res, |(rs, next)| pb::ListRoundsResponse {
            rounds: rs.into_iter().map(sc::round).collect(),
            next_page_token: next,
        })
    }

    async fn cast_ballot(&self, req: Request<pb::CastBallotRequest>) -> R<pb::Ballot> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.into_inner();
        let content = sc::ballot_content(r.content).map_err(status)?;
        // The caster always sees their own ballot.
        reply(rounds::cast(&*self.store, &ctx, &r.round_id, content).await, |b| {
            sc::ballot(b, true)
        })
    }

    async fn close_round(&self, req: Request<pb::CloseRoundRequest>) -> R<pb::Round> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        reply(rounds::close(&*self.store, &ctx, &req.get_ref().id).await, sc::round)
    }

    async fn cancel_round(&self, req: Request<pb::CancelRoundRequest>) -> R<pb::Round> {
        let ctx = ctx(&req, &req.get_ref().request_id)?;
        let r = req.get_ref();
        reply(rounds::cancel(&*self.store, &ctx, &r.id, &r.reason).await, sc::round)
    }

    async fn list_ballots(&self, req: Request<pb::ListBallotsRequest>) -> R<pb::ListBallotsResponse> {
        let ctx = ctx(&req, "")?;
        let r = req.get_ref();
        reply(
            rounds::ballots(&*self.store, &ctx, &r.round_id, r.include_history).await,
            |bs| pb::ListBallotsResponse {
                ballots: bs
                    .into_iter()
                    .map(|b| sc::ballot(b.ballot, b.content_visible))
                    .collect(),
            },
        )
    }
}
