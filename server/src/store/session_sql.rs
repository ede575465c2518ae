//! The SQL of sessions, rounds, ballots and minutes, shared by both engines; see `core_sql.rs`.

macro_rules! impl_session_tx {
    ($tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::SessionTx for $tx {
            async fn insert_session(&mut self, s: &$crate::domain::model::Session, seq: i64) -> $crate::store::StoreResult<()> {
                sqlx::query("INSERT INTO sessions (id, cooperation_id, seq, state, version, doc) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&s.id)
                    .bind(&s.cooperation_id)
                    .bind(seq)
                    .bind(s.state.as_str())
                    .bind(s.version as i64)
                    .bind($crate::store::to_doc(s)?)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn update_session(&mut self, s: &$crate::domain::model::Session) -> $crate::store::StoreResult<()> {
                let r = sqlx::query("UPDATE sessions SET state = $2, version = $3, doc = $4 WHERE id = $1 AND version = $5")
                    .bind(&s.id)
                    .bind(s.state.as_str())
                    .bind(s.version as i64)
                    .bind($crate::store::to_doc(s)?)
                    .bind(s.version as i64 - 1)
                    .execute(&mut *self.tx)
                    .await?;
                $crate::store::one_row(r.rows_affected())
            }

            async fn get_session(&mut self, id: &str) -> $crate::store::StoreResult<Option<$crate::domain::model::Session>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT doc FROM sessions WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.map(|(d,)| $crate::store::from_doc(&d)).transpose()
            }

            async fn list_sessions(
                &mut self,
                cooperation: &str,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::model::Session>> {
                let rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT seq, doc FROM sessions WHERE cooperation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(cooperation)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter().map(|(seq, d)| Ok((seq, $crate::store::from_doc(&d)?))).collect()
            }

            async fn insert_round(&mut self, r: &$crate::domain::model::Round, seq: i64) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO rounds (id, session_id, cooperation_id, seq, state, deadline, version, doc) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&r.id)
                .bind(&r.session_id)
                .bind(&r.cooperation_id)
                .bind(seq)
                .bind(r.state.as_str())
                .bind(r.deadline)
                .bind(r.version as i64)
                .bind($crate::store::to_doc(r)?)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }

            async fn update_round(&mut self, r: &$crate::domain::model::Round) -> $crate::store::StoreResult<()> {
                let res = sqlx::query(
                    "UPDATE rounds SET state = $2, deadline = $3, version = $4, doc = $5 WHERE id = $1 AND version = $6",
                )
                .bind(&r.id)
                .bind(r.state.as_str())
                .bind(r.deadline)
                .bind(r.version as i64)
                .bind($crate::store::to_doc(r)?)
                .bind(r.version as i64 - 1)
                .execute(&mut *self.tx)
                .await?;
                $crate::store::one_row(res.rows_affected())
            }

            async fn get_round(&mut self, id: &str) -> $crate::store::StoreResult<Option<$crate::domain::model::Round>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT doc FROM rounds WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.map(|(d,)| $crate::store::from_doc(&d)).transpose()
            }

            async fn list_rounds(
                &mut self,
                session: &str,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::model::Round>> {
                let rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT seq, doc FROM rounds WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                )
                .bind(session)
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter().map(|(seq, d)| Ok((seq, $crate::store::from_doc(&d)?))).collect()
            }

            async fn list_open_rounds(&mut self, cooperation: &str) -> $crate::store::StoreResult<Vec<$crate::domain::model::Round>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT doc FROM rounds WHERE state = 'OPEN' AND cooperation_id = $1 ORDER BY seq",
                )
                .bind(cooperation)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(|(d,)| $crate::store::from_doc(d)).collect()
            }

            async fn due_rounds(&mut self, now: i64, limit: i64) -> $crate::store::StoreResult<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT id FROM rounds WHERE state = 'OPEN' AND deadline IS NOT NULL AND deadline <= $1 \
                     ORDER BY deadline, seq LIMIT $2",
                )
                .bind(now)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }

            async fn current_ballot(
                &mut self,
                round: &str,
                municipality: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::model::Ballot>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT doc FROM ballots WHERE round_id = $1 AND municipality = $2 AND current = TRUE",
                )
                .bind(round)
                .bind(municipality)
                .fetch_optional(&mut *self.tx)
                .await?;
                row.map(|(d,)| {
                    let mut b: $crate::domain::model::Ballot = $crate::store::from_doc(&d)?;
                    b.current = true;
                    Ok(b)
                })
                .transpose()
            }

            async fn insert_ballot(&mut self, b: &$crate::domain::model::Ballot) -> $crate::store::StoreResult<()> {
                sqlx::query("INSERT INTO ballots (round_id, municipality, version, current, doc) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&b.round_id)
                    .bind(&b.municipality)
                    .bind(i64::from(b.version))
                    .bind(b.current)
                    .bind($crate::store::to_doc(b)?)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn retire_ballot(&mut self, round: &str, municipality: &str, version: u32) -> $crate::store::StoreResult<()> {
                let r = sqlx::query(
                    "UPDATE ballots SET current = FALSE WHERE round_id = $1 AND municipality = $2 AND version = $3 AND current = TRUE",
                )
                .bind(round)
                .bind(municipality)
                .bind(i64::from(version))
                .execute(&mut *self.tx)
                .await?;
                $crate::store::one_row(r.rows_affected())
            }

            async fn list_ballots(
                &mut self,
                round: &str,
                include_history: bool,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::model::Ballot>> {
                // `current` is authoritative in its column; the document keeps
                // the value it was inserted with.
                let rows: Vec<(String, bool)> = sqlx::query_as(
                    "SELECT doc, current FROM ballots WHERE round_id = $1 AND ($2 OR current = TRUE) \
                     ORDER BY municipality, version",
                )
                .bind(round)
                .bind(include_history)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter()
                    .map(|(d, current)| {
                        let mut b: $crate::domain::model::Ballot = $crate::store::from_doc(&d)?;
                        b.current = current;
                        Ok(b)
                    })
                    .collect()
            }

            async fn insert_minutes(&mut self, m: &$crate::domain::model::Minutes) -> $crate::store::StoreResult<()> {
                sqlx::query("INSERT INTO minutes (session_id, create_time, markdown) VALUES ($1, $2, $3)")
                    .bind(&m.session_id)
                    .bind(m.create_time)
                    .bind(&m.markdown)
                    .execute(&mut *self.tx)
                    .await?;
                Ok(())
            }

            async fn get_minutes(&mut self, session: &str) -> $crate::store::StoreResult<Option<$crate::domain::model::Minutes>> {
                let row: Option<(String, i64, String)> =
                    sqlx::query_as("SELECT session_id, create_time, markdown FROM minutes WHERE session_id = $1")
                        .bind(session)
                        .fetch_optional(&mut *self.tx)
                        .await?;
                Ok(row.map(|(session_id, create_time, markdown)| $crate::domain::model::Minutes {
                    session_id,
                    create_time,
                    markdown,
                }))
            }
        }
    };
}
