//! Safe Rust bindings to libsiren: SIREN neural fields (sine-activated
//! MLPs) with their gradient, Laplacian and Hessian diagonal, on the CPU.
//!
//! ```text
//! use siren::{Adam, AdamConfig, Adjoint, Config, Jet, Net, Quantities, Workspace};
//!
//! let config = Config { hidden_features: 64, hidden_layers: 2, ..Config::default() };
//! let mut net = Net::with_seed(&config, 42)?;
//! let x: Vec<f32> = ...;                 // n points of 2 coordinates, [n][2]
//! let mut ws = Workspace::new(&net, n, Quantities::VALUE)?;
//! let mut opt = Adam::new(&net, &AdamConfig { lr: 1e-3, ..AdamConfig::default() })?;
//! let mut y = vec![0.0f32; n];
//! for _ in 0..100 {
//!     net.zero_grad();
//!     ws.forward(&net, &x, &mut Jet { value: Some(&mut y), ..Jet::default() })?;
//!     let dy: Vec<f32> = y.iter().zip(&target).map(|(y, t)| 2.0 * (y - t) / n as f32).collect();
//!     ws.backward(&mut net, &Adjoint { value: Some(&dy), ..Adjoint::default() })?;
//!     opt.step(&mut net)?;
//! }
//! ```
//!
//! examples/fit.rs is that program in full. Owned handles (`Net`,
//! `Workspace`, `Adam`) free their C objects on drop; every call returns
//! `Result<_, Error>` with the library's status and message; slice lengths
//! are checked against the network's shape before any C call. The raw
//! declarations are in `sys`.

pub mod sys;

mod adam;
mod error;
mod net;
mod workspace;

pub use adam::{
    checkpoint_from_bytes, checkpoint_to_bytes, load_checkpoint, save_checkpoint, Adam, AdamConfig,
};
pub use error::{Error, Result, Status};
pub use net::{Config, Net};
pub use workspace::{Adjoint, InstancesTape, Jet, Outputs, Quantities, Workspace};

/// The version of the linked library, e.g. "1.0.0".
pub fn version() -> String {
    // SAFETY: a static NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(sys::siren_version_string()) }.to_string_lossy().into_owned()
}

/// The version of the linked library as MAJOR * 10000 + MINOR * 100 + PATCH.
pub fn version_number() -> u32 {
    unsafe { sys::siren_version_number() }
}
