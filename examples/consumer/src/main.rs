//! `wasmq-consumer`: reads what devices relayed to a JetStream stream with
//! a durable pull consumer, acks every message, and skips one whose
//! `Nats-Msg-Id` it has already processed (delivery to consumers is at least
//! once, and outside a per-subject stream a retry past the duplicate window
//! can store a job twice). A real consumer keeps the ids it has processed
//! where it keeps the work (a unique key in its database); this one keeps
//! them in memory. It stops once a fetch brings nothing, and prints
//! `{"processed":N,"duplicates":M}`.
//!
//! Usage: `wasmq-consumer --server nats://127.0.0.1:4222 --stream ORDERS
//! [--durable workers] [--idle-ms 1000]`

use std::collections::HashSet;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy};
use futures::StreamExt;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The command line.
struct Args {
    server: String,
    stream: String,
    durable: String,
    idle: Duration,
}

fn args() -> Result<Args, Error> {
    let mut out = Args {
        server: "nats://127.0.0.1:4222".into(),
        stream: String::new(),
        durable: "workers".into(),
        idle: Duration::from_millis(1000),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--server" => out.server = value,
            "--stream" => out.stream = value,
            "--durable" => out.durable = value,
            "--idle-ms" => out.idle = Duration::from_millis(value.parse()?),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    if out.stream.is_empty() {
        return Err("--stream is required".into());
    }
    Ok(out)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args = args()?;
    let client = async_nats::connect(&args.server).await?;
    let js = jetstream::new(client);
    let stream = js.get_stream(&args.stream).await?;
    let consumer: jetstream::consumer::PullConsumer = stream
        .get_or_create_consumer(
            &args.durable,
            pull::Config {
                durable_name: Some(args.durable.clone()),
                ack_policy: AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await?;
    let mut seen = HashSet::new();
    let (mut processed, mut duplicates) = (0u64, 0u64);
    loop {
        let mut batch = consumer
            .fetch()
            .max_messages(500)
            .expires(args.idle)
            .messages()
            .await?;
        let mut got = 0;
        while let Some(message) = batch.next().await {
            let message = message?;
            got += 1;
            let id = message
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Id"))
                .map(|v| v.to_string());
            let repeated = id.is_some_and(|id| !seen.insert(id));
            if repeated {
                duplicates += 1;
            } else {
                processed += 1; // here a real consumer does the job
            }
            message.ack().await?;
        }
        if got == 0 {
            break;
        }
    }
    println!("{{\"processed\":{processed},\"duplicates\":{duplicates}}}");
    Ok(())
}
