//! The SQL both engines share, written once. `impl_core_tx!(T)` implements
//! [`StoreTx`](super::StoreTx) for an engine's transaction type `T`, which has
//! fields `tx: sqlx::Transaction<'static, DB>`, `chain` and
//! `chain_at_savepoint` ([`Chain`](super::Chain)), and
//! `committed: Arc<watch::Sender<i64>>`, and an inherent
//! `async fn before_commit(&mut self, last_written: i64) -> StoreResult<()>`,
//! called when the transaction wrote events.

macro_rules! impl_core_tx {
    ($tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::CoreTx for $tx {
            async fn commit(self: Box<Self>) -> $crate::store::StoreResult<()> {
                let mut this = *self;
                if let Some(seq) = this.chain.written {
                    this.before_commit(seq).await?;
                }
                this.tx.commit().await?;
                if let Some(seq) = this.chain.written {
                    this.committed.send_if_modified(|cur| {
                        if seq > *cur {
                            *cur = seq;
                            true
                        } else {
                            false
                        }
                    });
                }
                Ok(())
            }

            async fn savepoint(&mut self) -> $crate::store::StoreResult<()> {
                sqlx::query("SAVEPOINT slot").execute(&mut *self.tx).await?;
                self.chain_at_savepoint = self.chain.clone();
                Ok(())
            }

            async fn release_savepoint(&mut self) -> $crate::store::StoreResult<()> {
                sqlx::query("RELEASE SAVEPOINT slot").execute(&mut *self.tx).await?;
                Ok(())
            }

            async fn rollback_to_savepoint(&mut self) -> $crate::store::StoreResult<()> {
                sqlx::query("ROLLBACK TO SAVEPOINT slot").execute(&mut *self.tx).await?;
                sqlx::query("RELEASE SAVEPOINT slot").execute(&mut *self.tx).await?;
                self.chain = self.chain_at_savepoint.clone();
                Ok(())
            }

            async fn get_idempotent(&mut self, scope: &str, request_id: &str) -> $crate::store::StoreResult<Option<(String, String)>> {
                Ok(sqlx::query_as("SELECT fingerprint, response FROM idempotency WHERE scope = $1 AND request_id = $2")
                    .bind(scope)
                    .bind(request_id)
                    .fetch_optional(&mut *self.tx)
                    .await?)
            }

            async fn put_idempotent(&mut self, scope: &str, request_id: &str, fingerprint: &str, response: &str, now: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("INSERT INTO idempotency (scope, request_id, fingerprint, response, create_time) VALUES ($1, $2, $3, $4, $5)")
                    .bind(scope)
                    .bind(request_id)
                    .bind(fingerprint)
                    .bind(response)
                    .bind(now)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn last_event(&mut self) -> $crate::store::StoreResult<Option<(i64, String)>> {
                if let Some(head) = &self.chain.head {
                    return Ok(Some(head.clone()));
                }
                let head: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *self.tx)
                    .await?;
                self.chain.head = head.clone();
                Ok(head)
            }

            async fn insert_event(&mut self, e: &$crate::domain::model::Event) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO events (seq, time, actor, action, subject, cooperation_id, payload, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(e.seq)
                .bind(e.time)
                .bind($crate::store::to_doc(&e.actor)?)
                .bind(&e.action)
                .bind(&e.subject)
                .bind(&e.cooperation_id)
                .bind(&e.payload)
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .execute(&mut *self.tx)
                .await?;
                self.chain = $crate::store::Chain { head: Some((e.seq, e.hash.clone())), written: Some(e.seq) };
                Ok(())
            }

            async fn list_events(&mut self, cooperation: Option<&str>, after_seq: i64, limit: i64) -> $crate::store::StoreResult<Vec<$crate::domain::model::Event>> {
                let rows: Vec<(i64, i64, String, String, String, String, String, String, String)> = sqlx::query_as(
                    "SELECT seq, time, actor, action, subject, cooperation_id, payload, prev_hash, hash FROM events \
                     WHERE seq > $1 AND ($2 = '' OR cooperation_id = $2) ORDER BY seq LIMIT $3",
                )
                .bind(after_seq)
                .bind(cooperation.unwrap_or(""))
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter()
                    .map(|(seq, time, actor, action, subject, cooperation_id, payload, prev_hash, hash)| {
                        Ok($crate::domain::model::Event {
                            seq,
                            time,
                            actor: $crate::store::from_doc(&actor)?,
                            action,
                            subject,
                            cooperation_id,
                            payload,
                            prev_hash,
                            hash,
                        })
                    })
                    .collect()
            }

            async fn insert_cooperation(&mut self, c: &$crate::domain::model::Cooperation, seq: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("INSERT INTO cooperations (id, seq, version, doc) VALUES ($1, $2, $3, $4)")
                    .bind(&c.id)
                    .bind(seq)
                    .bind(c.version as i64)
                    .bind($crate::store::to_doc(c)?)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn update_cooperation(&mut self, c: &$crate::domain::model::Cooperation) -> $crate::store::StoreResult<()> {
                let r = sqlx::query("UPDATE cooperations SET version = $2, doc = $3 WHERE id = $1 AND version = $4")
                    .bind(&c.id)
                    .bind(c.version as i64)
                    .bind($crate::store::to_doc(c)?)
                    .bind(c.version as i64 - 1)
                    .execute(&mut *self.tx)
                    .await?;
                $crate::store::one_row(r.rows_affected())
            }

            async fn get_cooperation(&mut self, id: &str) -> $crate::store::StoreResult<Option<$crate::domain::model::Cooperation>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT doc FROM cooperations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                // Without its member count, which write paths never need; the
                // API's reads add it (`count_current_members`).
                row.map(|(d,)| {
                    let mut c: $crate::domain::model::Cooperation = $crate::store::from_doc(&d)?;
                    c.member_count = 0;
                    Ok(c)
                })
                .transpose()
            }

            async fn list_cooperations(&mut self, after_seq: i64, limit: i64) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::model::Cooperation>> {
                let rows: Vec<(i64, String, i64)> = sqlx::query_as(
                    "SELECT c.seq, c.doc, (SELECT COUNT(*) FROM members m WHERE m.cooperation_id = c.id AND NOT m.departed) \
                     FROM cooperations c WHERE c.seq > $1 ORDER BY c.seq LIMIT $2",
                )
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter()
                    .map(|(seq, doc, n)| {
                        let mut c: $crate::domain::model::Cooperation = $crate::store::from_doc(&doc)?;
                        c.member_count = n as u32;
                        Ok((seq, c))
                    })
                    .collect()
            }

            async fn insert_member(&mut self, m: &$crate::domain::model::Member) -> $crate::store::StoreResult<()> {
                sqlx::query("INSERT INTO members (cooperation_id, code, departed, version, doc) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&m.cooperation_id)
                    .bind(&m.code)
                    .bind(!m.is_current())
                    .bind(m.version as i64)
                    .bind($crate::store::to_doc(m)?)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn update_member(&mut self, m: &$crate::domain::model::Member) -> $crate::store::StoreResult<()> {
                let r = sqlx::query(
                    "UPDATE members SET departed = $3, version = $4, doc = $5 WHERE cooperation_id = $1 AND code = $2 AND version = $6",
                )
                .bind(&m.cooperation_id)
                .bind(&m.code)
                .bind(!m.is_current())
                .bind(m.version as i64)
                .bind($crate::store::to_doc(m)?)
                .bind(m.version as i64 - 1)
                .execute(&mut *self.tx)
                .await?;
                $crate::store::one_row(r.rows_affected())
            }

            async fn get_member(&mut self, cooperation: &str, code: &str) -> $crate::store::StoreResult<Option<$crate::domain::model::Member>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT doc FROM members WHERE cooperation_id = $1 AND code = $2")
                    .bind(cooperation)
                    .bind(code)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.map(|(d,)| $crate::store::from_doc(&d)).transpose()
            }

            async fn list_members(&mut self, cooperation: &str, include_departed: bool, after_code: &str, limit: i64) -> $crate::store::StoreResult<Vec<$crate::domain::model::Member>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT doc FROM members WHERE cooperation_id = $1 AND ($2 OR NOT departed) AND code > $3 ORDER BY code LIMIT $4",
                )
                .bind(cooperation)
                .bind(include_departed)
                .bind(after_code)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(|(d,)| $crate::store::from_doc(d)).collect()
            }

            async fn count_current_members(&mut self, cooperation: &str) -> $crate::store::StoreResult<u32> {
                let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM members WHERE cooperation_id = $1 AND NOT departed")
                    .bind(cooperation)
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(n as u32)
            }

            async fn insert_proposal(&mut self, p: &$crate::domain::model::Proposal, seq: i64) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO proposals (id, cooperation_id, sponsor, seq, status, version, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&p.id)
                .bind(&p.cooperation_id)
                .bind(&p.sponsor)
                .bind(seq)
                .bind(p.status.as_str())
                .bind(p.version as i64)
                .bind($crate::store::to_doc(p)?)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn update_proposal(&mut self, p: &$crate::domain::model::Proposal) -> $crate::store::StoreResult<()> {
                let r = sqlx::query("UPDATE proposals SET status = $2, version = $3, doc = $4 WHERE id = $1 AND version = $5")
                    .bind(&p.id)
                    .bind(p.status.as_str())
                    .bind(p.version as i64)
                    .bind($crate::store::to_doc(p)?)
                    .bind(p.version as i64 - 1)
                    .execute(&mut *self.tx)
                    .await?;
                $crate::store::one_row(r.rows_affected())
            }

            async fn get_proposal(&mut self, id: &str) -> $crate::store::StoreResult<Option<$crate::domain::model::Proposal>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT doc FROM proposals WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.map(|(d,)| $crate::store::from_doc(&d)).transpose()
            }

            async fn list_proposals(
                &mut self,
                cooperation: &str,
                status: Option<$crate::domain::model::ProposalStatus>,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::model::Proposal>> {
                let rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT seq, doc FROM proposals WHERE cooperation_id = $1 AND ($2 = '' OR status = $2) AND seq > $3 ORDER BY seq LIMIT $4",
                )
                .bind(cooperation)
                .bind(status.map(|s| s.as_str()).unwrap_or(""))
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter().map(|(seq, d)| Ok((seq, $crate::store::from_doc(&d)?))).collect()
            }

            async fn round_is_open(&mut self, id: &str) -> $crate::store::StoreResult<bool> {
                let row: Option<(String,)> = sqlx::query_as("SELECT state FROM rounds WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                Ok(matches!(row, Some((s,)) if s == "OPEN"))
            }

            async fn get_priority_list(
                &mut self,
                cooperation: &str,
                revision: Option<u64>,
            ) -> $crate::store::StoreResult<Option<$crate::domain::model::PriorityList>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT doc FROM priority_lists WHERE cooperation_id = $1 AND ($2 < 0 OR revision = $2) \
                     ORDER BY revision DESC LIMIT 1",
                )
                .bind(cooperation)
                .bind(revision.map(|r| r as i64).unwrap_or(-1))
                .fetch_optional(&mut *self.tx)
                .await?;
                row.map(|(d,)| $crate::store::from_doc(&d)).transpose()
            }

            async fn insert_priority_list(&mut self, l: &$crate::domain::model::PriorityList) -> $crate::store::StoreResult<()> {
                sqlx::query("INSERT INTO priority_lists (cooperation_id, revision, doc) VALUES ($1, $2, $3)")
                    .bind(&l.cooperation_id)
                    .bind(l.revision as i64)
                    .bind($crate::store::to_doc(l)?)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }
        }
    };
}
