//! What the simulated users do: one request per iteration over a list of paths (in turn,
//! or each once from a pool), or the complete write flow — create a draft, set all twenty
//! answers and five levels, submit. User `n` takes target `n mod len`, so each user keeps
//! its own token and subjects.

use crate::load::{Work, record_response, stop_run};
use goose::prelude::*;
use std::sync::Arc;

/// One user's part of a run.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub token: Option<String>,
    pub paths: Vec<String>,
    pub body: Option<String>,
}

/// How a run goes through a target's paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Over and over, in turn.
    Cycle,
    /// Each path once (a pool of drafts); when one user's pool is empty, the run ends.
    Once,
}

#[derive(Clone)]
struct Iteration(usize);

/// The number of this iteration of the user, from 0.
fn next(user: &mut GooseUser) -> usize {
    match user.get_session_data_mut::<Iteration>() {
        Some(i) => {
            i.0 += 1;
            i.0
        }
        None => {
            user.set_session_data(Iteration(0));
            0
        }
    }
}

struct Reply {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
}

/// Sends one request named `name` and reads the whole response.
async fn send(
    user: &mut GooseUser,
    name: &str,
    method: &GooseMethod,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
    if_match: Option<&str>,
) -> Result<Reply, Box<TransactionError>> {
    let mut rb = user.get_request_builder(method, path)?;
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some(b) = body {
        rb = rb
            .header("content-type", "application/json")
            .body(b.to_owned());
    }
    if let Some(tag) = if_match {
        rb = rb.header("if-match", tag);
    }
    let request = GooseRequest::builder()
        .name(name)
        .set_request_builder(rb)
        .build();
    let response = user.request(request).await?.response?;
    let status = response.status().as_u16();
    let header = |name: &str| {
        let value = response.headers().get(name)?;
        value.to_str().ok().map(str::to_owned)
    };
    let etag = header("etag");
    let queries = header("x-query-count").and_then(|v| v.parse().ok());
    let body = response.bytes().await?.to_vec();
    record_response(name, queries, body.len());
    Ok(Reply { status, etag, body })
}

/// One `method` request per iteration to the user's paths; `if_match` adds `If-Match: *`.
pub fn requests(
    name: &str,
    method: GooseMethod,
    targets: Vec<Target>,
    order: Order,
    if_match: bool,
) -> Work {
    let targets = Arc::new(targets);
    let name: Arc<str> = Arc::from(name);
    let method = Arc::new(method);
    Arc::new(move |user: &mut GooseUser| {
        let (targets, name, method) = (targets.clone(), name.clone(), method.clone());
        Box::pin(async move {
            let t = &targets[user.weighted_users_index % targets.len()];
            let n = next(user);
            let path = match order {
                Order::Cycle => &t.paths[n % t.paths.len()],
                Order::Once => match t.paths.get(n) {
                    Some(p) => p,
                    None => {
                        stop_run(&format!(
                            "a user used up its pool of {} drafts; the run ended early",
                            t.paths.len()
                        ));
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        return Ok(());
                    }
                },
            };
            let tag = if_match.then_some("*");
            let (token, body) = (t.token.as_deref(), t.body.as_deref());
            send(user, &name, &method, path, token, body, tag).await?;
            Ok(())
        })
    })
}

/// The names of the three requests of the write flow.
pub fn flow_names(name: &str) -> [String; 3] {
    [
        format!("{name}: create"),
        format!("{name}: patch"),
        format!("{name}: submit"),
    ]
}

/// Create → PATCH all answers and levels → submit, per iteration. A target's first path is
/// its institution's evaluations collection; `body` is the PATCH body.
pub fn write_flow(name: &str, targets: Vec<Target>, create: String) -> Work {
    let targets = Arc::new(targets);
    let names = Arc::new(flow_names(name));
    let create: Arc<str> = Arc::from(create);
    Arc::new(move |user: &mut GooseUser| {
        let (targets, names, create) = (targets.clone(), names.clone(), create.clone());
        Box::pin(async move {
            let t = &targets[user.weighted_users_index % targets.len()];
            let token = t.token.as_deref();
            let made = send(
                user,
                &names[0],
                &GooseMethod::Post,
                &t.paths[0],
                token,
                Some(&create),
                None,
            )
            .await?;
            if made.status != 201 {
                return Err(format!("create answered {}", made.status).into());
            }
            let value: serde_json::Value =
                serde_json::from_slice(&made.body).map_err(|e| e.to_string())?;
            let id = value["id"].as_str().ok_or("no id in the created draft")?;
            let etag = made.etag.ok_or("no ETag on the created draft")?;
            let path = format!("/api/v1/evaluations/{id}");
            let patched = send(
                user,
                &names[1],
                &GooseMethod::Patch,
                &path,
                token,
                t.body.as_deref(),
                Some(&etag),
            )
            .await?;
            if patched.status != 200 {
                return Err(format!("patch answered {}", patched.status).into());
            }
            let submit = format!("{path}/submit");
            let done = send(
                user,
                &names[2],
                &GooseMethod::Post,
                &submit,
                token,
                None,
                None,
            )
            .await?;
            if done.status != 200 {
                return Err(format!("submit answered {}", done.status).into());
            }
            Ok(())
        })
    })
}
