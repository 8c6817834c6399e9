//! Adam (siren_adam) and training checkpoints.

use std::ptr::{self, NonNull};

use crate::error::{check, check_file, check_with, Error, Result};
use crate::net::{c_path, read_buffer, Config, Net};
use crate::sys;

/// siren_adam_config; `AdamConfig::default()` is siren_adam_config_default
/// (lr 1e-4, betas 0.9 and 0.999, eps 1e-8, no weight decay, no clipping).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    /// 0: off; else the largest global L2 norm of the gradients.
    pub clip_grad_norm: f32,
}

fn default_raw() -> sys::siren_adam_config {
    let mut raw = std::mem::MaybeUninit::<sys::siren_adam_config>::zeroed();
    // SAFETY: fills every member, `size` included.
    unsafe { sys::siren_adam_config_default(raw.as_mut_ptr()) };
    unsafe { raw.assume_init() }
}

impl Default for AdamConfig {
    fn default() -> AdamConfig {
        let raw = default_raw();
        AdamConfig {
            lr: raw.lr,
            beta1: raw.beta1,
            beta2: raw.beta2,
            eps: raw.eps,
            weight_decay: raw.weight_decay,
            clip_grad_norm: raw.clip_grad_norm,
        }
    }
}

/// An owned Adam optimiser (exactly torch.optim.Adam), freed on drop, for
/// networks of one architecture.
pub struct Adam {
    raw: NonNull<sys::siren_adam>,
    arch: Config,
}

// SAFETY: owns its moments; modifying calls take &mut self.
unsafe impl Send for Adam {}

impl Adam {
    /// siren_adam_create for `net`'s architecture.
    pub fn new(net: &Net, config: &AdamConfig) -> Result<Adam> {
        let mut raw = default_raw();
        raw.lr = config.lr;
        raw.beta1 = config.beta1;
        raw.beta2 = config.beta2;
        raw.eps = config.eps;
        raw.weight_decay = config.weight_decay;
        raw.clip_grad_norm = config.clip_grad_norm;
        let mut out = ptr::null_mut();
        let status = unsafe { sys::siren_adam_create(net.as_ptr(), &raw, &mut out) };
        check_with(status, "siren_adam_create", || format!("{:?}", config))?;
        Ok(Adam { raw: NonNull::new(out).expect("created"), arch: *net.config() })
    }

    /// One update of net's parameters from its gradients (not zeroed).
    pub fn step(&mut self, net: &mut Net) -> Result<()> {
        if *net.config() != self.arch {
            return Err(Error::state("siren_adam_step", "the net has another architecture".into()));
        }
        check(
            unsafe { sys::siren_adam_step(self.raw.as_ptr(), net.as_mut_ptr()) },
            "siren_adam_step",
        )
    }

    pub fn step_count(&self) -> u64 {
        unsafe { sys::siren_adam_step_count(self.raw.as_ptr()) }
    }

    /// The learning rate of later steps.
    pub fn set_lr(&mut self, lr: f32) -> Result<()> {
        let status = unsafe { sys::siren_adam_set_lr(self.raw.as_ptr(), lr) };
        check_with(status, "siren_adam_set_lr", || format!("lr {}", lr))
    }

    pub fn as_mut_ptr(&mut self) -> *mut sys::siren_adam {
        self.raw.as_ptr()
    }
}

impl Drop for Adam {
    fn drop(&mut self) {
        unsafe { sys::siren_adam_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Adam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adam").field("steps", &self.step_count()).finish()
    }
}

/// siren_checkpoint_save: parameters and optimiser state, atomically.
pub fn save_checkpoint(path: impl AsRef<std::path::Path>, net: &Net, opt: &Adam) -> Result<()> {
    let c = c_path(path.as_ref(), "siren_checkpoint_save")?;
    let status = unsafe { sys::siren_checkpoint_save(net.as_ptr(), opt.raw.as_ptr(), c.as_ptr()) };
    check_file(status, "siren_checkpoint_save", path.as_ref())
}

/// siren_checkpoint_load: the network and its optimiser, as saved.
pub fn load_checkpoint(path: impl AsRef<std::path::Path>) -> Result<(Net, Adam)> {
    let c = c_path(path.as_ref(), "siren_checkpoint_load")?;
    let (mut net, mut opt) = (ptr::null_mut(), ptr::null_mut());
    let status = unsafe { sys::siren_checkpoint_load(c.as_ptr(), &mut net, &mut opt) };
    check_file(status, "siren_checkpoint_load", path.as_ref())?;
    Ok(adopt_pair(net, opt))
}

/// The checkpoint file's bytes.
pub fn checkpoint_to_bytes(net: &Net, opt: &Adam) -> Result<Vec<u8>> {
    read_buffer("siren_checkpoint_save_buffer", |buf, cap, len| unsafe {
        sys::siren_checkpoint_save_buffer(net.as_ptr(), opt.raw.as_ptr(), buf, cap, len)
    })
}

/// siren_checkpoint_load_buffer.
pub fn checkpoint_from_bytes(bytes: &[u8]) -> Result<(Net, Adam)> {
    let (mut net, mut opt) = (ptr::null_mut(), ptr::null_mut());
    let status = unsafe {
        sys::siren_checkpoint_load_buffer(bytes.as_ptr().cast(), bytes.len(), &mut net, &mut opt)
    };
    check_with(status, "siren_checkpoint_load_buffer", || format!("{} bytes", bytes.len()))?;
    Ok(adopt_pair(net, opt))
}

fn adopt_pair(net: *mut sys::siren_net, opt: *mut sys::siren_adam) -> (Net, Adam) {
    // SAFETY: both were just created by the library and are ours.
    let net = unsafe { Net::adopt(net) };
    let arch = *net.config();
    (net, Adam { raw: NonNull::new(opt).expect("loaded"), arch })
}
