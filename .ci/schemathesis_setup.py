#!/usr/bin/env python3
"""Seeds a fresh lobkader service through its API for a schemathesis run, and writes the
files schemathesis reads.

Usage: schemathesis_setup.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD OUT_DIR

It makes two institutions with a kerngroep member each, a coach with a trajectory on the
first, submitted evaluations, a draft and an action point on both, then writes
OUT_DIR/auth.json: a Web Fuzzing Commons auth document with both members, the coach and the
admin, each with a bearer token.
Only the standard library is used.
"""

import json
import sys
import urllib.error
import urllib.request

QUESTIONS = [f"{s}.{q}" for s, n in [(1, 4), (2, 7), (3, 3), (4, 3), (5, 3)] for q in range(1, n + 1)]
PASSWORD = "schemathesis-password-1"


class Api:
    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, token=None, body=None, headers=None, expect=(200, 201)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, text, etag = resp.status, resp.read().decode(), resp.headers.get("ETag")
        except urllib.error.HTTPError as e:
            status, text, etag = e.code, e.read().decode(), None
        if status not in expect:
            sys.exit(f"setup: {method} {path} answered {status}: {text}")
        return (json.loads(text) if text else None), etag

    def login(self, email, password):
        body, _ = self.call("POST", "/api/v1/auth/token", body={"email": email, "password": password})
        return body["access_token"]


def main():
    base, admin_email, admin_password, out_dir = sys.argv[1:5]
    api = Api(base)
    admin = api.login(admin_email, admin_password)

    def institution(name, region):
        body, _ = api.call("POST", "/api/v1/institutions", admin,
                           {"name": name, "sector": "vo", "school_types": ["havo", "vwo"], "region": region})
        return body["id"]

    def user(email, name, role="user"):
        body, _ = api.call("POST", "/api/v1/users", admin,
                           {"email": email, "display_name": name, "password": PASSWORD, "role": role})
        return body["id"]

    school_a = institution("Fuzzcollege Noord", "Eemland")
    school_b = institution("Fuzzcollege Zuid", "Utrecht")
    member_a = user("decaan@noord.example", "Decaan Noord")
    member_b = user("decaan@zuid.example", "Decaan Zuid")
    coach = user("coach@regio.example", "Coach Regio", "coach")
    for school, member in [(school_a, member_a), (school_b, member_b)]:
        api.call("POST", f"/api/v1/institutions/{school}/members", admin,
                 {"user_id": member, "function": "decaan"})
        api.call("POST", f"/api/v1/institutions/{school}/units", admin,
                 {"name": "Locatie Centrum", "kind": "location"})

    trajectory, _ = api.call("POST", "/api/v1/trajectories", admin, {
        "institution_id": school_a,
        "title": "Traject Borging LOB 2025-2027",
        "start_date": "2025-09-01",
        "planned_end_date": "2027-07-31",
        "coach_ids": [coach],
        "kerngroep": [{"user_id": member_a, "function": "decaan"}],
        "targets": [{"step": s, "level": "integrated"} for s in range(1, 6)],
    })

    tokens = {
        "member_a": api.login("decaan@noord.example", PASSWORD),
        "member_b": api.login("decaan@zuid.example", PASSWORD),
        "coach": api.login("coach@regio.example", PASSWORD),
    }

    def evaluation(school, token, date, moment, answer, level, trajectory_id=None, submit=True):
        body = {"instrument_id": "kwaliteitskader-lob", "reference_date": date, "moment": moment}
        if trajectory_id:
            body["trajectory_id"] = trajectory_id
        draft, etag = api.call("POST", f"/api/v1/institutions/{school}/evaluations", token, body)
        content = {
            "answers": [{"question_id": q, "answer": answer} for q in QUESTIONS],
            "levels": [{"step": s, "level": level, "remarks": f"Stap {s}"} for s in range(1, 6)],
        }
        _, etag = api.call("PATCH", f"/api/v1/evaluations/{draft['id']}", token, content, {"If-Match": etag})
        if submit:
            api.call("POST", f"/api/v1/evaluations/{draft['id']}/submit", token, headers={"If-Match": etag})
        return draft["id"]

    evaluation(school_a, tokens["member_a"], "2025-10-01", "baseline", "no", "minimal", trajectory["id"])
    evaluation(school_a, tokens["member_a"], "2026-10-01", "interim", "partly", "basic", trajectory["id"])
    evaluation(school_a, tokens["member_a"], "2026-11-01", "other", "yes", "basic", submit=False)
    evaluation(school_b, tokens["member_b"], "2025-11-01", "baseline", "partly", "basic")
    evaluation(school_b, tokens["member_b"], "2026-11-01", "annual", "yes", "integrated")
    api.call("POST", f"/api/v1/trajectories/{trajectory['id']}/sessions", tokens["coach"],
             {"held_on": "2025-10-15", "summary": "Startbijeenkomst", "agreements": "LOB-visie in concept"})
    for school, token, owner in [(school_a, tokens["member_a"], member_a), (school_b, tokens["member_b"], member_b)]:
        api.call("POST", f"/api/v1/institutions/{school}/action-points", token, {
            "step": 2, "question_id": "2.3", "description": "Loopbaangesprekken inroosteren",
            "owner_id": owner, "due_date": "2027-01-31",
        })

    # The first entry is every operation's first choice; schemathesis moves an operation on to
    # the next identity when it answers 401 or 403, so admin-only operations end with the admin.
    identities = [("member_a", tokens["member_a"]), ("member_b", tokens["member_b"]),
                  ("coach", tokens["coach"]), ("admin", admin)]
    auth = {
        "schemaVersion": "0.2.0",
        "auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
            for name, token in identities
        ],
    }
    with open(f"{out_dir}/auth.json", "w") as f:
        json.dump(auth, f, indent=2)
    print(f"setup: institutions {school_a} and {school_b}, trajectory {trajectory['id']} with coach {coach}")


if __name__ == "__main__":
    main()
