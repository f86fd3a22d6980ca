//! Pure routing strategies: which pipe a message goes to or comes from. No I/O, no threads:
//! pipes are indices and the attempts are closures, so every rule is testable by calls alone.

pub mod cursor;
pub mod fq;
mod fuzz;
pub(crate) mod ids;
pub mod lb;
pub mod trie;

pub use fq::FairQueue;
#[doc(hidden)]
pub use fuzz::fuzz_trie;
pub use lb::LoadBalancer;
pub use trie::Trie;
