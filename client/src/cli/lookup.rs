//! What the tables print in place of ids: proposals' titles, members'
//! names. Looked up only for people; `--json` keeps the ids.

use std::collections::HashMap;

use samprio_client::pb;

use super::Env;

/// Titles of proposals by id; ids that cannot be read are left out.
pub async fn titles(env: &Env, ids: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if env.out.json {
        return out;
    }
    let mut c = env.client.proposals();
    for id in ids {
        if out.contains_key(id) {
            continue;
        }
        if let Ok(p) = c.get_proposal(pb::GetProposalRequest { id: id.clone() }).await {
            out.insert(id.clone(), p.into_inner().title);
        }
    }
    out
}

/// A cooperation's members' names by code, departed ones too.
pub async fn member_names(env: &Env, cooperation: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    if env.out.json {
        return out;
    }
    let mut c = env.client.cooperations();
    let mut page_token = String::new();
    loop {
        let Ok(r) = c
            .list_members(pb::ListMembersRequest {
                cooperation_id: cooperation.into(),
                include_departed: true,
                page_size: 500,
                page_token,
            })
            .await
        else {
            return out;
        };
        let r = r.into_inner();
        out.extend(r.members.into_iter().map(|m| (m.code, m.name)));
        if r.next_page_token.is_empty() {
            return out;
        }
        page_token = r.next_page_token;
    }
}

/// "København (0101)", or the code alone when the name is not known.
pub fn member(names: &HashMap<String, String>, code: &str) -> String {
    match names.get(code) {
        Some(name) if !name.is_empty() => format!("{name} ({code})"),
        _ => code.to_string(),
    }
}
