//! Black-box API tests: each starts the real application on port 0 with its own data directory.

mod helpers;

mod errors;
mod health;
mod openapi;
mod spa;
