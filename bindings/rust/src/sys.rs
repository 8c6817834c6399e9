//! The raw declarations of `include/siren.h`, one for one.
//!
//! Everything here is `unsafe` to call and follows the C contract written
//! in the header (ownership, NULL handling, thread rules). The safe wrapper
//! in the crate root is built on these. tests/layout.rs checks the structs'
//! sizes and member offsets, the constants, and every function's type
//! against the header (build.rs compiles them into a C program).
//!
//! build.rs reads the extern block (items `pub fn name(arg: type, ...) -> type;`,
//! as rustfmt lays them out, with the types used below) to write the C check.

#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_int, c_uint, c_void};

pub const SIREN_VERSION_MAJOR: u32 = 1;
pub const SIREN_VERSION_MINOR: u32 = 0;
pub const SIREN_VERSION_PATCH: u32 = 0;

pub const SIREN_OK: c_int = 0;
pub const SIREN_ERR_INVALID_ARGUMENT: c_int = -1;
pub const SIREN_ERR_OUT_OF_MEMORY: c_int = -2;
pub const SIREN_ERR_TOO_LARGE: c_int = -3;
pub const SIREN_ERR_IO: c_int = -4;
pub const SIREN_ERR_FORMAT: c_int = -5;
pub const SIREN_ERR_VERSION: c_int = -6;
pub const SIREN_ERR_STATE: c_int = -7;
pub const SIREN_ERR_NONFINITE: c_int = -8;

pub const SIREN_VALUE: c_uint = 1;
pub const SIREN_GRADIENT: c_uint = 2;
pub const SIREN_LAPLACIAN: c_uint = 4;
pub const SIREN_HESSIAN_DIAG: c_uint = 8;
pub const SIREN_EVAL_ONLY: c_uint = 256;

pub const SIREN_MAX_PARAMS: usize = 0x7fff_ffff;

/// Opaque: architecture, parameters, gradients.
#[repr(C)]
pub struct siren_net {
    _private: [u8; 0],
}

/// Opaque: the scratch memory of evaluation.
#[repr(C)]
pub struct siren_workspace {
    _private: [u8; 0],
}

/// Opaque: Adam's state.
#[repr(C)]
pub struct siren_adam {
    _private: [u8; 0],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct siren_config {
    pub size: u32,
    pub in_features: u32,
    pub out_features: u32,
    pub hidden_features: u32,
    pub hidden_layers: u32,
    pub first_omega: f32,
    pub hidden_omega: f32,
    pub outermost_linear: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct siren_jet {
    pub value: *mut f32,
    pub gradient: *mut f32,
    pub laplacian: *mut f32,
    pub hessian_diag: *mut f32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct siren_adam_config {
    pub size: u32,
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    pub clip_grad_norm: f32,
}

/// Where an object's memory comes from (see siren.h): NULL functions are
/// `None`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct siren_allocator {
    pub alloc: Option<unsafe extern "C" fn(user: *mut c_void, size: usize) -> *mut c_void>,
    pub free: Option<unsafe extern "C" fn(user: *mut c_void, ptr: *mut c_void)>,
    pub user: *mut c_void,
}

extern "C" {
    pub fn siren_version_number() -> c_uint;
    pub fn siren_version_string() -> *const c_char;
    pub fn siren_status_string(status: c_int) -> *const c_char;

    pub fn siren_config_default(cfg: *mut siren_config);
    pub fn siren_net_create(cfg: *const siren_config, out: *mut *mut siren_net) -> c_int;
    pub fn siren_net_free(net: *mut siren_net);
    pub fn siren_net_init(net: *mut siren_net, seed: u64) -> c_int;
    pub fn siren_net_param_count(net: *const siren_net) -> usize;
    pub fn siren_net_params(net: *mut siren_net) -> *mut f32;
    pub fn siren_net_grads(net: *mut siren_net) -> *mut f32;
    pub fn siren_net_zero_grad(net: *mut siren_net);
    pub fn siren_net_config(net: *const siren_net, cfg: *mut siren_config) -> c_int;

    pub fn siren_workspace_create(
        net: *const siren_net,
        max_points: usize,
        what: c_uint,
        out: *mut *mut siren_workspace,
    ) -> c_int;
    pub fn siren_workspace_free(ws: *mut siren_workspace);
    pub fn siren_workspace_bytes(
        net: *const siren_net,
        max_points: usize,
        what: c_uint,
        bytes: *mut usize,
    ) -> c_int;
    pub fn siren_workspace_set_laplacian_weights(
        ws: *mut siren_workspace,
        weights: *const f32,
        count: usize,
    ) -> c_int;
    pub fn siren_workspace_set_threads(ws: *mut siren_workspace, threads: usize) -> c_int;
    pub fn siren_workspace_threads(ws: *const siren_workspace) -> usize;

    pub fn siren_eval(
        net: *const siren_net,
        ws: *mut siren_workspace,
        n: usize,
        x: *const f32,
        out: *const siren_jet,
    ) -> c_int;
    pub fn siren_forward(
        net: *const siren_net,
        ws: *mut siren_workspace,
        n: usize,
        x: *const f32,
        out: *const siren_jet,
    ) -> c_int;
    pub fn siren_backward(
        net: *mut siren_net,
        ws: *mut siren_workspace,
        adjoint: *const siren_jet,
    ) -> c_int;

    pub fn siren_eval_instances(
        net: *const siren_net,
        ws: *mut siren_workspace,
        instances: usize,
        params: *const f32,
        n: usize,
        x: *const f32,
        out: *const siren_jet,
    ) -> c_int;
    pub fn siren_forward_instances(
        net: *const siren_net,
        ws: *mut siren_workspace,
        instances: usize,
        params: *const f32,
        n: usize,
        x: *const f32,
        out: *const siren_jet,
    ) -> c_int;
    pub fn siren_backward_instances(
        net: *const siren_net,
        ws: *mut siren_workspace,
        adjoint: *const siren_jet,
        grads: *mut f32,
    ) -> c_int;

    pub fn siren_adam_config_default(cfg: *mut siren_adam_config);
    pub fn siren_adam_create(
        net: *const siren_net,
        cfg: *const siren_adam_config,
        out: *mut *mut siren_adam,
    ) -> c_int;
    pub fn siren_adam_step(opt: *mut siren_adam, net: *mut siren_net) -> c_int;
    pub fn siren_adam_free(opt: *mut siren_adam);
    pub fn siren_adam_step_count(opt: *const siren_adam) -> u64;
    pub fn siren_adam_set_lr(opt: *mut siren_adam, lr: f32) -> c_int;

    pub fn siren_net_save(net: *const siren_net, path: *const c_char) -> c_int;
    pub fn siren_net_load(path: *const c_char, out: *mut *mut siren_net) -> c_int;
    pub fn siren_net_save_buffer(
        net: *const siren_net,
        buf: *mut c_void,
        cap: usize,
        len: *mut usize,
    ) -> c_int;
    pub fn siren_net_load_buffer(buf: *const c_void, len: usize, out: *mut *mut siren_net)
        -> c_int;

    pub fn siren_checkpoint_save(
        net: *const siren_net,
        opt: *const siren_adam,
        path: *const c_char,
    ) -> c_int;
    pub fn siren_checkpoint_load(
        path: *const c_char,
        net: *mut *mut siren_net,
        opt: *mut *mut siren_adam,
    ) -> c_int;
    pub fn siren_checkpoint_save_buffer(
        net: *const siren_net,
        opt: *const siren_adam,
        buf: *mut c_void,
        cap: usize,
        len: *mut usize,
    ) -> c_int;
    pub fn siren_checkpoint_load_buffer(
        buf: *const c_void,
        len: usize,
        net: *mut *mut siren_net,
        opt: *mut *mut siren_adam,
    ) -> c_int;

    pub fn siren_net_create_with_allocator(
        cfg: *const siren_config,
        alloc: *const siren_allocator,
        out: *mut *mut siren_net,
    ) -> c_int;
    pub fn siren_net_load_with_allocator(
        path: *const c_char,
        alloc: *const siren_allocator,
        out: *mut *mut siren_net,
    ) -> c_int;
    pub fn siren_net_load_buffer_with_allocator(
        buf: *const c_void,
        len: usize,
        alloc: *const siren_allocator,
        out: *mut *mut siren_net,
    ) -> c_int;
    pub fn siren_checkpoint_load_with_allocator(
        path: *const c_char,
        alloc: *const siren_allocator,
        net: *mut *mut siren_net,
        opt: *mut *mut siren_adam,
    ) -> c_int;
    pub fn siren_checkpoint_load_buffer_with_allocator(
        buf: *const c_void,
        len: usize,
        alloc: *const siren_allocator,
        net: *mut *mut siren_net,
        opt: *mut *mut siren_adam,
    ) -> c_int;
}
