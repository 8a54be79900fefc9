//! Counting the database queries a request makes, for tests and benchmarks that show the
//! count stays bounded. The count lives in a task-local set up around each request; queries
//! outside such a scope are not counted.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

tokio::task_local! {
    static COUNT: Rc<Cell<u32>>;
}

/// Called for every executed statement.
pub fn record() {
    let _ = COUNT.try_with(|c| c.set(c.get().saturating_add(1)));
}

/// Runs `fut`, counting the queries it makes.
pub async fn counted<F: Future>(fut: F) -> (F::Output, u32) {
    let count = Rc::new(Cell::new(0));
    let output = COUNT.scope(count.clone(), fut).await;
    (output, count.get())
}
