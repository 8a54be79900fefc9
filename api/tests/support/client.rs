//! An asynchronous HTTP client for the tests that run many requests at once against the
//! binary: a request that gets no complete answer is an `Err`, told apart from any answer.
//! And the setup those tests start from: an institution with a member of its kerngroep.

use super::{ADMIN_EMAIL, ADMIN_PASSWORD, MEMBER_PASSWORD};
use serde_json::{Value, json};
use std::time::Duration;

/// A response read whole: an acknowledged answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub etag: Option<String>,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

/// An HTTP client for one service; a request that gets no complete answer is an `Err`.
#[derive(Clone)]
pub struct Client {
    base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str) -> Client {
        Client {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(2))
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        if_match: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Answer, reqwest::Error> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(etag) = if_match {
            req = req.header("if-match", etag);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, retry_after, content_type) = (
            header("etag"),
            header("retry-after"),
            header("content-type"),
        );
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Answer {
            status,
            etag,
            retry_after,
            content_type,
            body,
        })
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Result<Answer, reqwest::Error> {
        self.send(reqwest::Method::GET, path, token, None, None)
            .await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<Answer, reqwest::Error> {
        self.send(reqwest::Method::POST, path, token, None, Some(body))
            .await
    }

    /// Sends and insists on `status` (test setup, with the service known to be up).
    pub async fn must(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        status: u16,
    ) -> Answer {
        let answer = self
            .send(method.clone(), path, token, None, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert_eq!(answer.status, status, "{method} {path}: {}", answer.body);
        answer
    }

    /// POSTs `body` to `path`, insists on 201, and returns the id of what was made.
    pub async fn create(&self, path: &str, token: &str, body: &Value) -> String {
        let answer = self
            .must(reqwest::Method::POST, path, Some(token), Some(body), 201)
            .await;
        answer.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = json!({"email": email, "password": password});
        let answer = self
            .must(
                reqwest::Method::POST,
                "/api/v1/auth/token",
                None,
                Some(&body),
                200,
            )
            .await;
        answer.body["access_token"].as_str().unwrap().to_owned()
    }
}

/// An institution and a member of its kerngroep, made through the API by the first admin.
pub struct School {
    pub institution: String,
    pub member_token: String,
}

pub async fn school(client: &Client) -> School {
    let admin = client.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let institution = client
        .create(
            "/api/v1/institutions",
            &admin,
            &json!({"name": "Durability College", "sector": "vo", "region": "Eemland"}),
        )
        .await;
    let email = "kerngroep@durability.test";
    let user = client
        .create(
            "/api/v1/users",
            &admin,
            &json!({"email": email, "display_name": "Kerngroep", "password": MEMBER_PASSWORD}),
        )
        .await;
    client
        .must(
            reqwest::Method::POST,
            &format!("/api/v1/institutions/{institution}/members"),
            Some(&admin),
            Some(&json!({"user_id": user, "function": "decaan"})),
            201,
        )
        .await;
    School {
        institution,
        member_token: client.login(email, MEMBER_PASSWORD).await,
    }
}
