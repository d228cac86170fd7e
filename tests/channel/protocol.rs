//! The Phoenix Channels server speaking protocol V2 to real WebSocket
//! clients: connect, join, events, replies, pushes, broadcasts, leave,
//! duplicate joins, crashes, routing, backpressure and shutdown.

use std::time::Duration;

use crate::channel_support::{
    Client, LobbyChannel, RoomChannel, TokenAuth, logged, pusher, serve, server, wait_logged,
};
use serde_json::json;
use tracewire::channel::{PushError, Server};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_replies_with_the_join_response_and_heartbeats_are_answered() {
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), "").await;
    client.heartbeat().await;

    let (join_ref, reply) = client.join("room:lobby", json!({"since": 3})).await;
    assert_eq!(
        reply,
        json!([join_ref, join_ref, "room:lobby", "phx_reply",
               {"status": "ok", "response": {"joined": "room:lobby"}}])
    );

    // Replies echo the ref and carry the channel's join_ref.
    let reply = client
        .call(&join_ref, "room:lobby", "echo", json!({"a": [1, 2]}))
        .await;
    assert_eq!(reply[0], join_ref.as_str());
    assert_eq!(reply[4], json!({"status": "ok", "response": {"a": [1, 2]}}));

    // Refs are echoed as sent, numbers included.
    client
        .send(json!([join_ref, 77, "room:lobby", "echo", {}]))
        .await;
    let reply = client.recv_where(|f| f[1] == 77).await;
    assert_eq!(reply[4]["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_connect_is_http_403_before_the_upgrade() {
    let server = serve(server()).await;
    let refused = Client::connect_with(&format!("{}&token=wrong", server.url()), &[])
        .await
        .err()
        .expect("the upgrade must be refused");
    assert_eq!(refused.status, 403);

    // A client not speaking V2 is told so before the upgrade.
    let url = server.url().replace("vsn=2.0.0", "vsn=1.0.0") + "&token=secret";
    let refused = Client::connect_with(&url, &[]).await.err().unwrap();
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("vsn=2.0.0"), "{}", refused.body);

    assert_eq!(server.connection_count(), 0);
    Client::connect(&server.url(), "").await.heartbeat().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_assigns_and_socket_id_reach_every_channel() {
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), "user=bob").await;
    let a = client.join_ok("room:a").await;
    let b = client.join_ok("room:b").await;

    let reply = client.call(&a, "room:a", "whoami", json!({})).await;
    assert_eq!(
        reply[4]["response"],
        json!({"id": "user_socket:bob", "user": "bob", "topic": "room:a"})
    );

    // A channel's own assigns stay in that channel.
    client.call(&a, "room:a", "assign", json!({"x": 1})).await;
    let reply = client.call(&a, "room:a", "get", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"note": {"x": 1}}));
    let reply = client.call(&b, "room:b", "get", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"note": null}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leave_replies_ok_then_terminates_and_sends_phx_close() {
    let test = "leave";
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), &format!("test={test}")).await;
    let join_ref = client.join_ok("room:a").await;

    let leave_ref = client
        .push(Some(&join_ref), "room:a", "phx_leave", json!({}))
        .await;
    let reply = client.recv().await;
    assert_eq!(
        reply,
        json!([join_ref, leave_ref, "room:a", "phx_reply", {"status": "ok", "response": {}}])
    );
    let close = client.recv().await;
    assert_eq!(
        close,
        json!([join_ref, join_ref, "room:a", "phx_close", {}])
    );
    assert!(logged(test).contains(&"terminate room:a Leave".to_owned()));

    // The topic is no longer joined.
    let reply = client.call(&join_ref, "room:a", "echo", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"reason": "unmatched topic"}));
    // Leaving a topic that is not joined is answered ok, as Phoenix does.
    let leave_ref = client.push(None, "room:zzz", "phx_leave", json!({})).await;
    assert_eq!(client.reply_to(&leave_ref).await[4]["status"], "ok");
    assert_eq!(server.pubsub().subscriber_count("room:a"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_join_closes_the_old_channel_before_joining_again() {
    let test = "rejoin";
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), &format!("test={test}")).await;
    let old = client.join_ok("room:a").await;

    let new = client.fresh_ref();
    client
        .send(json!([new, new, "room:a", "phx_join", {}]))
        .await;
    // phx_close to the old join_ref comes first, then the new join's reply.
    let close = client.recv().await;
    assert_eq!(close, json!([old, old, "room:a", "phx_close", {}]));
    let reply = client.recv().await;
    assert_eq!(
        reply,
        json!([new, new, "room:a", "phx_reply", {"status": "ok", "response": {"joined": "room:a"}}])
    );
    assert_eq!(
        logged(test),
        vec![
            "join room:a {}".to_owned(),
            "terminate room:a Rejoined".to_owned(),
            "join room:a {}".to_owned(),
        ]
    );
    let reply = client.call(&new, "room:a", "echo", json!({})).await;
    assert_eq!(reply[0], new.as_str());
    assert_eq!(server.pubsub().subscriber_count("room:a"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_channel_gets_phx_error_and_spares_the_connection() {
    let test = "crash";
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), &format!("test={test}")).await;
    let a = client.join_ok("room:a").await;
    let b = client.join_ok("room:b").await;

    client.push(Some(&a), "room:a", "crash", json!({})).await;
    let error = client.event("room:a", "phx_error").await;
    assert_eq!(error, json!([a, a, "room:a", "phx_error", {}]));
    wait_logged(test, "terminate room:a Crashed(\"handler exploded\")").await;

    // The connection and the other channel carry on; the topic can be
    // joined again.
    client.heartbeat().await;
    let reply = client
        .call(&b, "room:b", "echo", json!({"still": "here"}))
        .await;
    assert_eq!(reply[4]["response"], json!({"still": "here"}));
    let reply = client.call(&a, "room:a", "echo", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"reason": "unmatched topic"}));
    let again = client.join_ok("room:a").await;
    assert_eq!(
        client.call(&again, "room:a", "echo", json!(1)).await[4]["response"],
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_and_crashed_joins_reply_errors() {
    let test = "refused";
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), &format!("test={test}")).await;

    let (join_ref, reply) = client.join("room:a", json!({"refuse": true})).await;
    assert_eq!(
        reply,
        json!([join_ref, join_ref, "room:a", "phx_reply",
               {"status": "error", "response": {"reason": "unauthorized"}}])
    );
    let (_, reply) = client.join("room:b", json!({"crash": true})).await;
    assert_eq!(reply[4]["response"], json!({"reason": "join crashed"}));

    // Neither topic is joined; no terminate ran for a join that failed.
    let reply = client.call(&join_ref, "room:a", "echo", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"reason": "unmatched topic"}));
    assert!(!logged(test).iter().any(|e| e.starts_with("terminate")));
    client.heartbeat().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_and_broadcasts_carry_each_recipients_join_ref_and_a_null_ref() {
    let server = serve(server()).await;
    let mut alice = Client::connect(&server.url(), "user=alice").await;
    let mut bob = Client::connect(&server.url(), "user=bob").await;
    let a = alice.join_ok("room:a").await;
    // Different join_refs per client, to see each one's in its frames.
    bob.fresh_ref();
    let b = bob.join_ok("room:a").await;
    assert_ne!(a, b);

    alice
        .push(Some(&a), "room:a", "push_me", json!({"only": "alice"}))
        .await;
    assert_eq!(
        alice.event("room:a", "pushed").await,
        json!([a, null, "room:a", "pushed", {"only": "alice"}])
    );

    alice
        .push(Some(&a), "room:a", "shout", json!({"body": "hi"}))
        .await;
    assert_eq!(
        alice.event("room:a", "shout").await,
        json!([a, null, "room:a", "shout", {"body": "hi"}])
    );
    assert_eq!(
        bob.event("room:a", "shout").await,
        json!([b, null, "room:a", "shout", {"body": "hi"}])
    );

    // broadcast_from skips the sender.
    let reply = alice
        .call(&a, "room:a", "shout_others", json!({"body": "psst"}))
        .await;
    assert_eq!(reply[4]["status"], "ok");
    assert_eq!(
        bob.event("room:a", "shout").await[4],
        json!({"body": "psst"})
    );
    alice.heartbeat().await;
    assert!(
        alice.take_inbox().iter().all(|f| f[3] != "shout"),
        "broadcast_from reached its sender"
    );

    // A broadcast from outside any channel.
    server
        .pubsub()
        .broadcast("room:a", "notice", json!({"from": "server"}))
        .unwrap();
    assert_eq!(
        bob.event("room:a", "notice").await[4],
        json!({"from": "server"})
    );
    assert_eq!(
        alice.event("room:a", "notice").await[4],
        json!({"from": "server"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intercepted_broadcasts_go_through_handle_out_per_recipient() {
    let server = serve(server()).await;
    let mut clients = Vec::new();
    for user in ["alice", "bob", "carol"] {
        let mut client = Client::connect(&server.url(), &format!("user={user}")).await;
        let join_ref = client.join_ok("room:a").await;
        clients.push((user, client, join_ref));
    }
    let (_, sender, join_ref) = &mut clients[0];
    let join_ref = join_ref.clone();
    sender
        .push(
            Some(&join_ref),
            "room:a",
            "filtered",
            json!({"to": "bob", "text": "secret"}),
        )
        .await;

    for (user, client, join_ref) in &mut clients {
        client.heartbeat().await;
        let got: Vec<_> = client
            .take_inbox()
            .into_iter()
            .filter(|f| f[3] == "filtered")
            .collect();
        if *user == "bob" {
            assert_eq!(
                got,
                vec![json!([join_ref, null, "room:a", "filtered",
                            {"to": "bob", "text": "secret", "seen_by": "bob"}])]
            );
        } else {
            assert!(got.is_empty(), "{user} got {got:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_route_by_prefix_or_exact_name_first_match_wins() {
    let server = serve(
        Server::new(TokenAuth)
            .channel::<LobbyChannel>("lobby")
            .channel::<RoomChannel>("room:*")
            .channel::<LobbyChannel>("room:lobby"), // never reached: room:* matches first
    )
    .await;
    let mut client = Client::connect(&server.url(), "").await;
    let (_, reply) = client.join("lobby", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"channel": "lobby"}));
    let (_, reply) = client.join("room:lobby", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"joined": "room:lobby"}));
    let (_, reply) = client.join("room:", json!({})).await;
    assert_eq!(reply[4]["response"], json!({"joined": "room:"}));
    for unmatched in ["lobby:1", "lobbyx", "roo", "Room:a"] {
        let (_, reply) = client.join(unmatched, json!({})).await;
        assert_eq!(
            reply[4],
            json!({"status": "error", "response": {"reason": "unmatched topic"}}),
            "{unmatched}"
        );
    }
}

#[test]
#[should_panic(expected = "`*` is only allowed at the end")]
fn a_pattern_with_an_inner_star_is_refused() {
    let _ = Server::new(TokenAuth).channel::<RoomChannel>("room:*:messages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pusher_pushes_from_a_task_and_fails_cleanly_once_the_client_is_gone() {
    let test = "pusher";
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), &format!("test={test}")).await;
    let join_ref = client.join_ok("room:docs").await;

    let reply = client
        .call(
            &join_ref,
            "room:docs",
            "keep_pusher",
            json!({"after_ms": 20}),
        )
        .await;
    assert_eq!(reply[4]["response"], json!({"status": "processing"}));
    assert_eq!(
        client.event("room:docs", "later").await,
        json!([join_ref, null, "room:docs", "later", {"done": true}])
    );

    let pusher = pusher(test);
    assert!(pusher.is_open());
    pusher.push("direct", json!(1)).unwrap();
    assert_eq!(client.event("room:docs", "direct").await[4], 1);

    client.close().await;
    wait_logged(test, "terminate room:docs Closed").await;
    assert!(!pusher.is_open());
    assert!(matches!(
        pusher.push("late", json!(2)),
        Err(PushError::Closed)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_does_not_read_is_closed_and_a_reading_one_gets_everything() {
    let server = serve(server().outbound_buffer(256 * 1024)).await;
    let mut healthy = Client::connect(&server.url(), "").await;
    let mut slow = Client::connect(&server.url(), "").await;
    healthy.join_ok("room:flood").await;
    slow.join_ok("room:flood").await;

    // Each broadcast waits until the healthy client has it; the slow client
    // reads nothing, so its kernel buffers and then its outbound buffer fill.
    let chunk = "x".repeat(32 * 1024);
    let mut sent = 0;
    while server.pubsub().subscriber_count("room:flood") == 2 {
        assert!(sent < 2_000, "the slow client was never closed");
        server
            .pubsub()
            .broadcast("room:flood", "chunk", json!({"n": sent, "data": chunk}))
            .unwrap();
        let frame = healthy.event("room:flood", "chunk").await;
        assert_eq!(frame[4]["n"], sent, "the healthy client missed a broadcast");
        sent += 1;
    }
    eprintln!("the slow client was closed after {sent} broadcasts of 32 KiB");
    healthy.heartbeat().await;

    let (code, reason) = slow.closed().await;
    assert_eq!(code, 1013);
    assert!(reason.contains("outbound buffer full"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_terminates_channels_and_closes_with_1001() {
    let test = "shutdown";
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), &format!("test={test}")).await;
    client.join_ok("room:a").await;
    assert_eq!(server.connection_count(), 1);

    let shutdown = tokio::spawn(server.shutdown());
    assert_eq!(
        client.closed().await,
        (1001, "server shutting down".to_owned())
    );
    tokio::time::timeout(Duration::from_secs(10), shutdown)
        .await
        .expect("shutdown did not finish")
        .unwrap();
    assert!(logged(test).contains(&"terminate room:a Shutdown".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_after_the_idle_timeout() {
    let server = serve(server().idle_timeout(Duration::from_millis(300))).await;
    let mut client = Client::connect(&server.url(), "").await;
    client.join_ok("room:a").await;
    let (code, reason) = client.closed().await;
    assert_eq!(code, 1000);
    assert!(reason.contains("idle timeout"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_sent_before_the_join_reply_are_handled_after_the_join_in_order() {
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), "").await;
    let join_ref = client.fresh_ref();
    // Join and events sent back to back, without waiting for the join reply.
    client
        .send(json!([join_ref, join_ref, "room:q", "phx_join", {}]))
        .await;
    for n in 0..20 {
        client
            .send(json!([join_ref, format!("e{n}"), "room:q", "echo", {"n": n}]))
            .await;
    }
    let first = client.recv().await;
    assert_eq!(first[1], join_ref.as_str(), "the join reply comes first");
    for n in 0..20 {
        let reply = client.recv().await;
        assert_eq!(reply[1], format!("e{n}"));
        assert_eq!(reply[4]["response"]["n"], n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_connection_terminates_its_channels_and_unsubscribes() {
    let test = "disconnect";
    let server = serve(server()).await;
    let mut client = Client::connect(&server.url(), &format!("test={test}")).await;
    client.join_ok("room:a").await;
    client.join_ok("room:b").await;
    assert_eq!(server.pubsub().subscriber_count("room:a"), 1);
    drop(client);
    wait_logged(test, "terminate room:a Closed").await;
    wait_logged(test, "terminate room:b Closed").await;
    assert_eq!(server.pubsub().subscriber_count("room:a"), 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while server.connection_count() != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the connection was not released"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = RoomChannel; // the channel under test
}
