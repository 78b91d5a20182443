//! Sending requests in a fixed order without waiting for each answer.
//!
//! tokio-postgres writes a request when its future is first polled and matches answers to
//! requests in order. [`in_order`] polls every future once, in order, before polling any a
//! second time, so `BEGIN`, the statements and `COMMIT` reach the server exactly in that order
//! in one round trip. (`join_all` does this today too, but only as an implementation detail,
//! which a transaction's integrity must not rest on.)

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use futures::future::{MaybeDone, maybe_done};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, Statement};

use crate::value::{Param, inferred};

/// Runs `futures` to completion, first polls in order, and returns their outputs in order.
pub async fn in_order<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut slots: Vec<Pin<Box<MaybeDone<F>>>> = futures
        .into_iter()
        .map(|f| Box::pin(maybe_done(f)))
        .collect();
    poll_fn(|cx| {
        let mut pending = false;
        for slot in &mut slots {
            pending |= slot.as_mut().poll(cx).is_pending();
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    slots
        .iter_mut()
        .map(|slot| slot.as_mut().take_output().expect("every future completed"))
        .collect()
}

/// One request of a pipelined transaction.
pub(crate) enum Request<'a> {
    /// A simple-protocol query: one or more statements, no parameters.
    Simple(&'a str),
    /// A prepared statement with its parameters.
    Prepared(&'a Statement, &'a [Param<'a>]),
    /// A statement with parameters, parsed and run in one go.
    Unprepared(&'a str, &'a [Param<'a>]),
}

/// Sends `requests` without waiting for each answer (one round trip), and returns each one's
/// rows (none for a simple query), in order.
pub(crate) async fn pipeline(
    client: &Client,
    requests: Vec<Request<'_>>,
) -> Vec<Result<Vec<tokio_postgres::Row>, tokio_postgres::Error>> {
    in_order(requests.into_iter().map(|r| send(client, r)).collect()).await
}

async fn send(
    client: &Client,
    request: Request<'_>,
) -> Result<Vec<tokio_postgres::Row>, tokio_postgres::Error> {
    match request {
        Request::Simple(sql) => client.batch_execute(sql).await.map(|()| Vec::new()),
        Request::Prepared(statement, params) => client.query(statement, &refs(params)).await,
        Request::Unprepared(sql, params) => client.query_typed(sql, &typed(params)).await,
    }
}

fn refs<'a>(params: &'a [Param<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

/// `params` with their types left for the server to infer, for an unprepared statement.
fn typed<'a>(params: &'a [Param<'a>]) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    params
        .iter()
        .map(|p| (p as &(dyn ToSql + Sync), inferred()))
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn first_polls_happen_in_order_and_outputs_keep_it() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let futures: Vec<_> = (0..100)
            .map(|i| {
                let log = log.clone();
                async move {
                    log.lock().unwrap().push(i);
                    tokio::task::yield_now().await;
                    i * 2
                }
            })
            .collect();
        let outputs = in_order(futures).await;
        assert_eq!(*log.lock().unwrap(), (0..100).collect::<Vec<_>>());
        assert_eq!(outputs, (0..100).map(|i| i * 2).collect::<Vec<_>>());
    }
}
