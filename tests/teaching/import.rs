//! The class import and the importer's setup links.

use serde_json::{Value, json};

use crate::groups;
use crate::support::{World, assert_forbidden, assert_invalid};

fn import(w: &World, who: &crate::common::User, group: i64, body: Value) -> crate::common::Resp {
    w.post(&format!("/api/v1/groups/{group}/import"), who, body)
}

const CLASS: &str = "\u{feff}Nom;Prénom;Identifiant;Courriel\r\n\
    Dupont;Élodie;edupont;elodie@school.example\r\n\
    Martin;Léo;lmartin;\r\n\
    Alice;Again;ALICE;\r\n\
    Bad;Name;no spaces allowed;\r\n\
    Twice;Again;lmartin;\r\n\
    Mail;Bad;mbad;not-an-email\r\n\
    Short;Row\r\n\
    \"Durand, jr\";\"Zoé \"\"Zo\"\"\";zdurand;zoe@school.example\r\n";

#[test]
fn a_moderator_imports_a_class_good_rows_created_refused_rows_reported() {
    let w = World::new();
    let g = groups(&w);
    let before = w.app.count("accounts");
    let r = import(&w, &w.moderator, g.class, json!({"csv": CLASS}));
    assert_eq!(r.status, 200, "{}", r.text);
    let created = r.body["created"].as_array().unwrap();
    let names: Vec<&str> = created
        .iter()
        .map(|c| c["account"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["edupont", "lmartin", "zdurand"], "{}", r.text);
    assert_eq!(created[0]["line"], json!(2));
    assert_eq!(created[0]["account"]["firstname"], json!("Élodie"));
    assert_eq!(
        created[0]["account"]["email"],
        json!("elodie@school.example")
    );
    assert_eq!(created[2]["account"]["lastname"], json!("Durand, jr"));
    assert_eq!(created[2]["account"]["firstname"], json!("Zoé \"Zo\""));
    assert_eq!(w.app.count("accounts"), before + 3);
    let refused: Vec<(u64, &str, &str)> = r.body["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["line"].as_u64().unwrap(),
                x["field"].as_str().unwrap(),
                x["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(refused.len(), 5, "{}", r.text);
    assert_eq!((refused[0].0, refused[0].1), (4, "username"));
    assert!(refused[0].2.contains("taken"), "{}", refused[0].2);
    assert_eq!((refused[1].0, refused[1].1), (5, "username"));
    assert_eq!((refused[2].0, refused[2].1), (6, "username"));
    assert!(refused[2].2.contains("twice"), "{}", refused[2].2);
    assert_eq!((refused[3].0, refused[3].1), (7, "email"));
    assert_eq!((refused[4].0, refused[4].1), (8, "username"));
    assert!(refused[4].2.contains("missing"), "{}", refused[4].2);
    for c in created {
        let id = c["account"]["id"].as_i64().unwrap();
        assert_eq!(w.value("accounts", "group_id", id), json!(g.class));
        assert_eq!(w.value("accounts", "must_set_password", id), json!(1));
        assert_eq!(w.value("accounts", "created_by", id), json!(w.moderator.id));
        let url = c["setup_url"].as_str().unwrap();
        assert!(url.contains("/reset?token="), "{url}");
        assert!(c["expires_at"].as_i64().unwrap() > 0);
    }
    // The link sets the password; no other way in before.
    let token = created[1]["setup_url"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    let set = w.app.post_json(
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "password": "Long-New=Passphrase42"}),
    );
    assert!(set.status < 300, "{}", set.text);
    w.app.login("lmartin", "Long-New=Passphrase42");
    // Audited.
    let audited = w.app.scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'import' AND target_id = ?1",
        [g.class],
    );
    assert_eq!(audited, 1);
}

#[test]
fn a_dry_run_reports_and_creates_nothing() {
    let w = World::new();
    let g = groups(&w);
    let snapshot = w.snapshot();
    let r = import(&w, &w.admin, g.sub, json!({"csv": CLASS, "dry_run": true}));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["dry_run"], json!(true));
    assert_eq!(r.body["created"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["created"][0]["account"]["id"], Value::Null);
    assert_eq!(r.body["refused"].as_array().unwrap().len(), 5);
    assert_eq!(w.snapshot(), snapshot);
}

#[test]
fn a_class_file_without_a_username_column_or_over_the_bound_creates_nothing() {
    let w = World::new();
    let g = groups(&w);
    let before = w.app.count("accounts");
    let r = import(
        &w,
        &w.moderator,
        g.class,
        json!({"csv": "email,nom\na@b.example,A\n"}),
    );
    assert_invalid(&r, "csv");
    let r = import(
        &w,
        &w.moderator,
        g.class,
        json!({"csv": "username,shoe size\nabc,42\n"}),
    );
    assert_invalid(&r, "csv");
    let mut big = String::from("username\n");
    for i in 0..1001 {
        big.push_str(&format!("pupil{i}\n"));
    }
    assert_invalid(
        &import(&w, &w.moderator, g.class, json!({"csv": big})),
        "csv",
    );
    assert_invalid(
        &import(
            &w,
            &w.moderator,
            g.class,
            json!({"csv": "username\nabc\n", "password": "x"}),
        ),
        "password",
    );
    assert_invalid(&import(&w, &w.moderator, g.class, json!({"csv": 3})), "csv");
    assert_invalid(
        &import(
            &w,
            &w.moderator,
            g.class,
            json!({"csv": "username\n\"abc\n"}),
        ),
        "csv",
    );
    assert_eq!(
        import(&w, &w.moderator, 99999, json!({"csv": "username\nabc\n"})).status,
        404
    );
    assert_eq!(w.app.count("accounts"), before);
}

#[test]
fn the_good_rows_go_in_one_transaction_a_failure_undoes_them_all() {
    let w = World::new();
    let g = groups(&w);
    let before = w.app.count("accounts");
    // A trigger makes the third insert fail, as a crash or a constraint would.
    w.app
        .db()
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON accounts WHEN NEW.username = 'pupil3'
             BEGIN SELECT RAISE(ABORT, 'boom'); END;",
        )
        .unwrap();
    let r = import(
        &w,
        &w.moderator,
        g.class,
        json!({"csv": "username\npupil1\npupil2\npupil3\npupil4\n"}),
    );
    assert!(r.status >= 400, "{}", r.text);
    assert_eq!(w.app.count("accounts"), before);
    assert_eq!(w.app.count("password_links"), 0);
}

#[test]
fn a_member_who_wrote_a_course_for_the_group_may_not_import() {
    let w = World::new();
    let g = groups(&w);
    crate::course_for(&w, &w.bob, g.class, "Bob's");
    let before = w.app.count("accounts");
    assert_forbidden(&import(
        &w,
        &w.bob,
        g.class,
        json!({"csv": "username\nabc\n"}),
    ));
    assert_eq!(w.app.count("accounts"), before);
}

#[test]
fn the_importer_makes_a_new_setup_link_for_accounts_it_imported_only() {
    let w = World::new();
    let g = groups(&w);
    let r = import(
        &w,
        &w.moderator,
        g.class,
        json!({"csv": "username\npupil\n"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let pupil = r.body["created"][0]["account"]["id"].as_i64().unwrap();
    let first = r.body["created"][0]["setup_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = w.post(
        &format!("/api/v1/accounts/{pupil}/setup-link"),
        &w.moderator,
        json!({}),
    );
    assert_eq!(again.status, 201, "{}", again.text);
    assert_ne!(again.body["link"].as_str().unwrap(), first);
    // Another moderator, and the importer for an account it did not import, are refused.
    let other = crate::support::account(&w.app, "otto", 2);
    assert_forbidden(&w.post(
        &format!("/api/v1/accounts/{pupil}/setup-link"),
        &other,
        json!({}),
    ));
    assert_forbidden(&w.post(
        &format!("/api/v1/accounts/{}/setup-link", w.alice.id),
        &w.moderator,
        json!({}),
    ));
    assert_forbidden(&w.post(
        &format!("/api/v1/accounts/{pupil}/setup-link"),
        &w.bob,
        json!({}),
    ));
    // Admins still may.
    let admin = w.post(
        &format!("/api/v1/accounts/{pupil}/setup-link"),
        &w.admin,
        json!({}),
    );
    assert_eq!(admin.status, 201, "{}", admin.text);
}

#[test]
fn send_email_queues_each_link_for_rows_with_an_email() {
    let w = World::new();
    let g = groups(&w);
    let r = import(
        &w,
        &w.moderator,
        g.class,
        json!({"csv": "username,email\nwithmail,pupil@school.example\nnomail,\n", "send_email": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["created"][0]["emailed"], json!(true));
    assert_eq!(r.body["created"][1]["emailed"], json!(false));
    let id = r.body["created"][0]["account"]["id"].as_i64().unwrap();
    let queued = w.app.scalar(
        "SELECT COUNT(*) FROM mail_outbox WHERE account_id = ?1 AND recipient = 'pupil@school.example'",
        [id],
    );
    assert_eq!(queued, 1);
    // The link is in the letter, never in the log of the import's audit entry.
    let detail: String = w
        .app
        .db()
        .query_row(
            "SELECT detail FROM audit_log WHERE action = 'import'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!detail.contains("token"), "{detail}");
}
