//! One way to take a mutex everywhere: a panic in another thread poisons the lock, but every value
//! kept under these locks stays sound after one (a rolled-back change, a cache rebuilt from the
//! store), so the guard is taken anyway rather than taking the process down too.
use std::sync::{Mutex, MutexGuard};

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
