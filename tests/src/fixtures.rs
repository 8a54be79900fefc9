//! Building blocks for tests: institutions, members with tokens, and evaluations filled in
//! through the public API.

use crate::{Response, TestApp, json};
use serde_json::Value;

/// A person with an account, a membership and a token.
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub token: String,
}

/// The twenty question ids of the Kwaliteitskader LOB, in order.
pub fn question_ids() -> Vec<String> {
    [(1, 4), (2, 7), (3, 3), (4, 3), (5, 3)]
        .iter()
        .flat_map(|(step, n)| (1..=*n).map(move |i| format!("{step}.{i}")))
        .collect()
}

/// A PATCH body answering every question `answer(question)` and rating every step `level(step)`.
pub fn complete_content(
    answer: impl Fn(&str) -> &'static str,
    level: impl Fn(u8) -> &'static str,
) -> Value {
    let answers: Vec<Value> = question_ids()
        .iter()
        .map(|q| json!({"question_id": q, "answer": answer(q)}))
        .collect();
    let levels: Vec<Value> = (1..=5u8)
        .map(|s| json!({"step": s, "level": level(s)}))
        .collect();
    json!({"answers": answers, "levels": levels})
}

impl TestApp {
    pub async fn create_institution(&self, name: &str) -> String {
        self.post(
            "/api/v1/institutions",
            &self.admin_token.clone(),
            json!({"name": name, "sector": "vo", "region": "Eemland"}),
        )
        .await
        .expect(201)
        .id()
    }

    /// Creates an account (as admin) and logs it in.
    pub async fn create_user(&self, email: &str) -> (String, String) {
        let password = "a-long-enough-password";
        let id = self
            .post(
                "/api/v1/users",
                &self.admin_token.clone(),
                json!({"email": email, "display_name": email.split('@').next().unwrap_or(email), "password": password}),
            )
            .await
            .expect(201)
            .id();
        let token = self.login(email, password).await;
        (id, token)
    }

    /// Creates an account, makes it a member of `institution`, and logs it in.
    pub async fn create_member(&self, institution: &str, email: &str) -> Member {
        let (user_id, token) = self.create_user(email).await;
        self.post(
            &format!("/api/v1/institutions/{institution}/members"),
            &self.admin_token.clone(),
            json!({"user_id": user_id, "function": "decaan"}),
        )
        .await
        .expect(201);
        Member {
            user_id,
            email: email.into(),
            token,
        }
    }

    pub async fn create_draft(
        &self,
        institution: &str,
        token: &str,
        date: &str,
        moment: &str,
    ) -> Response {
        self.post(
            &format!("/api/v1/institutions/{institution}/evaluations"),
            token,
            json!({"instrument_id": "kwaliteitskader-lob", "reference_date": date, "moment": moment}),
        )
        .await
        .expect(201)
    }

    /// Creates, fills in completely and submits an evaluation; `answer(question)` and
    /// `level(step)` choose the ratings. Returns the submitted evaluation.
    pub async fn submitted_evaluation(
        &self,
        institution: &str,
        token: &str,
        date: &str,
        answer: impl Fn(&str) -> &'static str,
        level: impl Fn(u8) -> &'static str,
    ) -> Value {
        let draft = self.create_draft(institution, token, date, "annual").await;
        self.fill_and_submit(token, &draft, complete_content(answer, level))
            .await
    }

    /// Applies `change` to a freshly read draft and submits it; returns the submitted evaluation.
    pub async fn fill_and_submit(&self, token: &str, draft: &Response, change: Value) -> Value {
        let path = format!("/api/v1/evaluations/{}", draft.id());
        let filled = self
            .patch(&path, token, &draft.etag(), change)
            .await
            .expect(200);
        self.request(
            reqwest::Method::POST,
            &format!("{path}/submit"),
            Some(token),
            None,
            &[("if-match", &filled.etag())],
        )
        .await
        .expect(200)
        .body
    }
}
