//! The SQL of local overrides and their history, shared by both engines; see `core_sql.rs`.

/// The titles of a cooperation's proposals past their draft, packed: a
/// column of a read with the cooperation as `$1` and the field and record
/// separators as the placeholders given.
macro_rules! proposal_titles_sql {
    ($field:literal, $record:literal) => {
        concat!(
            "(SELECT string_agg(id || ",
            $field,
            " || title, ",
            $record,
            ") FROM proposals WHERE cooperation_id = $1 AND status <> 'DRAFT')"
        )
    };
}

macro_rules! impl_override_tx {
    ($tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::OverrideTx for $tx {
            async fn insert_override(
                &mut self,
                o: &$crate::domain::model::Override,
                seq: i64,
            ) -> $crate::store::StoreResult<()> {
                let doc = $crate::store::to_doc(o)?;
                sqlx::query(
                    "INSERT INTO overrides (id, cooperation_id, municipality, proposal_id, seq, active, version, \
                     expires_on, deviation, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&o.id)
                .bind(&o.cooperation_id)
                .bind(&o.municipality)
                .bind(&o.proposal_id)
                .bind(seq)
                .bind(!o.revoked)
                .bind(o.version as i64)
                .bind(o.expires_on.as_deref().unwrap_or(""))
                .bind($crate::store::overrides::Deviations::pack(o))
                .bind(&doc)
                .execute(&mut *self.tx)
                .await?;
                self.insert_override_version(o, &doc).await
            }

            async fn update_override(&mut self, o: &$crate::domain::model::Override) -> $crate::store::StoreResult<()> {
                let doc = $crate::store::to_doc(o)?;
                let r = sqlx::query(
                    "UPDATE overrides SET active = $2, version = $3, expires_on = $4, deviation = $5, doc = $6 \
                     WHERE id = $1 AND version = $7",
                )
                .bind(&o.id)
                .bind(!o.revoked)
                .bind(o.version as i64)
                .bind(o.expires_on.as_deref().unwrap_or(""))
                .bind($crate::store::overrides::Deviations::pack(o))
                .bind(&doc)
                .bind(o.version as i64 - 1)
                .execute(&mut *self.tx)
                .await?;
                $crate::store::one_row(r.rows_affected())?;
                self.insert_override_version(o, &doc).await
            }

            async fn get_override(
                &mut self,
                id: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::model::Override>> {
                let row: Option<(String,)> = sqlx::query_as("SELECT doc FROM overrides WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *self.tx)
                    .await?;
                row.map(|(d,)| $crate::store::from_doc(&d)).transpose()
            }

            async fn get_unrevoked_override(
                &mut self,
                cooperation: &str,
                municipality: &str,
                proposal: &str,
            ) -> $crate::store::StoreResult<Option<$crate::domain::model::Override>> {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT doc FROM overrides WHERE cooperation_id = $1 AND municipality = $2 AND proposal_id = $3 AND active",
                )
                .bind(cooperation)
                .bind(municipality)
                .bind(proposal)
                .fetch_optional(&mut *self.tx)
                .await?;
                row.map(|(d,)| $crate::store::from_doc(&d)).transpose()
            }

            async fn list_overrides(
                &mut self,
                f: &$crate::store::overrides::OverrideFilter<'_>,
                after_seq: i64,
                limit: i64,
            ) -> $crate::store::StoreResult<$crate::store::Page<$crate::domain::model::Override>> {
                let rows: Vec<(i64, String)> = sqlx::query_as(
                    "SELECT seq, doc FROM overrides WHERE cooperation_id = $1 \
                     AND ($2 = '' OR municipality = $2) AND ($3 = '' OR proposal_id = $3) \
                     AND ($4 = '' OR (active AND (expires_on = '' OR expires_on >= $4))) \
                     AND seq > $5 ORDER BY seq LIMIT $6",
                )
                .bind(f.cooperation)
                .bind(f.municipality.unwrap_or(""))
                .bind(f.proposal.unwrap_or(""))
                .bind(f.in_force_on.unwrap_or(""))
                .bind(after_seq)
                .bind(limit)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.into_iter().map(|(seq, d)| Ok((seq, $crate::store::from_doc(&d)?))).collect()
            }

            async fn effective_reads(
                &mut self,
                cooperation: &str,
                municipality: &str,
                on: &str,
            ) -> $crate::store::StoreResult<$crate::store::overrides::EffectiveReads> {
                use $crate::store::overrides::{EffectiveReads, FIELD, Packed, RECORD, Titles};
                let (members, list, overrides, titles): (i64, Option<String>, Option<String>, Option<String>) =
                    sqlx::query_as(concat!(
                        "SELECT (SELECT COUNT(*) FROM members WHERE cooperation_id = $1 AND code = $2), ",
                        "(SELECT doc FROM priority_lists WHERE cooperation_id = $1 ORDER BY revision DESC LIMIT 1), ",
                        "(SELECT string_agg(doc, $5 ORDER BY seq) FROM overrides WHERE cooperation_id = $1 ",
                        "AND municipality = $2 AND active AND (expires_on = '' OR expires_on >= $3)), ",
                        proposal_titles_sql!("$4", "$5"),
                    ))
                    .bind(cooperation)
                    .bind(municipality)
                    .bind(on)
                    .bind(FIELD)
                    .bind(RECORD)
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(EffectiveReads {
                    is_member: members > 0,
                    list: list.as_deref().map($crate::store::from_doc).transpose()?,
                    overrides: Packed::new(overrides).docs()?,
                    titles: Titles(Packed::new(titles)),
                })
            }

            async fn overview_reads(
                &mut self,
                cooperation: &str,
                on: &str,
            ) -> $crate::store::StoreResult<$crate::store::overrides::OverviewReads> {
                use $crate::store::overrides::{Deviations, FIELD, OverviewReads, Packed, RECORD, Titles};
                let (list, deviations, titles): (Option<String>, Option<String>, Option<String>) =
                    sqlx::query_as(concat!(
                        "SELECT (SELECT doc FROM priority_lists WHERE cooperation_id = $1 ORDER BY revision DESC LIMIT 1), ",
                        "(SELECT string_agg(deviation, $4) FROM overrides ",
                        "WHERE cooperation_id = $1 AND active AND (expires_on = '' OR expires_on >= $2)), ",
                        proposal_titles_sql!("$3", "$4"),
                    ))
                    .bind(cooperation)
                    .bind(on)
                    .bind(FIELD)
                    .bind(RECORD)
                    .fetch_one(&mut *self.tx)
                    .await?;
                Ok(OverviewReads {
                    list: list.as_deref().map($crate::store::from_doc).transpose()?,
                    deviations: Deviations(Packed::new(deviations)),
                    titles: Titles(Packed::new(titles)),
                })
            }

            async fn member_ballots(
                &mut self,
                cooperation: &str,
                municipality: &str,
            ) -> $crate::store::StoreResult<
                Vec<($crate::domain::model::Round, $crate::domain::model::Ballot)>,
            > {
                let rows: Vec<(String, String)> = sqlx::query_as(
                    "SELECT r.doc, b.doc FROM rounds r JOIN ballots b ON b.round_id = r.id \
                     WHERE r.cooperation_id = $1 AND r.state = 'CLOSED' AND b.municipality = $2 AND b.current \
                     ORDER BY r.seq",
                )
                .bind(cooperation)
                .bind(municipality)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter()
                    .map(|(r, b)| Ok(($crate::store::from_doc(r)?, $crate::store::from_doc(b)?)))
                    .collect()
            }

            async fn override_history(
                &mut self,
                id: &str,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::model::Override>> {
                let rows: Vec<(String,)> =
                    sqlx::query_as("SELECT doc FROM override_history WHERE override_id = $1 ORDER BY version")
                        .bind(id)
                        .fetch_all(&mut *self.tx)
                        .await?;
                rows.iter().map(|(d,)| $crate::store::from_doc(d)).collect()
            }

            async fn override_versions_between(
                &mut self,
                cooperation: &str,
                from: i64,
                to: i64,
            ) -> $crate::store::StoreResult<Vec<$crate::domain::model::Override>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT doc FROM override_history WHERE cooperation_id = $1 AND set_time >= $2 AND set_time <= $3 \
                     ORDER BY set_time, override_id, version",
                )
                .bind(cooperation)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *self.tx)
                .await?;
                rows.iter().map(|(d,)| $crate::store::from_doc(d)).collect()
            }
        }

        impl $tx {
            async fn insert_override_version(
                &mut self,
                o: &$crate::domain::model::Override,
                doc: &str,
            ) -> $crate::store::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO override_history (override_id, version, doc, cooperation_id, set_time) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&o.id)
                .bind(o.version as i64)
                .bind(doc)
                .bind(&o.cooperation_id)
                .bind(o.set_time)
                .execute(&mut *self.tx)
                .await?;
                Ok(())
            }
        }
    };
}
