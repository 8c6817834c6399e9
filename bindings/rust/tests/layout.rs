//! src/sys.rs against include/siren.h: struct sizes and member offsets,
//! constants, and every function's C type, from the C program build.rs
//! compiled against the header. Any header change the declarations do not
//! follow fails here.

use std::mem::{size_of, MaybeUninit};

use siren::sys;

#[allow(non_upper_case_globals, dead_code)]
mod header {
    include!(concat!(env!("OUT_DIR"), "/header_layout.rs"));
}

macro_rules! offset_of {
    ($type:ty, $member:ident) => {{
        let value = MaybeUninit::<$type>::uninit();
        let base = value.as_ptr();
        // SAFETY: only the address of the member is taken, nothing is read.
        let member = unsafe { std::ptr::addr_of!((*base).$member) };
        member as usize - base as usize
    }};
}

fn probe() {
    if let Some(why) = header::PROBE_ERROR {
        panic!("build.rs could not compile the header probe: {}", why);
    }
}

#[test]
fn siren_config_matches_the_header() {
    probe();
    assert_eq!(size_of::<sys::siren_config>(), header::SIZEOF_siren_config);
    assert_eq!(offset_of!(sys::siren_config, size), header::OFFSETOF_siren_config_size);
    assert_eq!(
        offset_of!(sys::siren_config, in_features),
        header::OFFSETOF_siren_config_in_features
    );
    assert_eq!(
        offset_of!(sys::siren_config, out_features),
        header::OFFSETOF_siren_config_out_features
    );
    assert_eq!(
        offset_of!(sys::siren_config, hidden_features),
        header::OFFSETOF_siren_config_hidden_features
    );
    assert_eq!(
        offset_of!(sys::siren_config, hidden_layers),
        header::OFFSETOF_siren_config_hidden_layers
    );
    assert_eq!(
        offset_of!(sys::siren_config, first_omega),
        header::OFFSETOF_siren_config_first_omega
    );
    assert_eq!(
        offset_of!(sys::siren_config, hidden_omega),
        header::OFFSETOF_siren_config_hidden_omega
    );
    assert_eq!(
        offset_of!(sys::siren_config, outermost_linear),
        header::OFFSETOF_siren_config_outermost_linear
    );
}

#[test]
fn siren_jet_matches_the_header() {
    probe();
    assert_eq!(size_of::<sys::siren_jet>(), header::SIZEOF_siren_jet);
    assert_eq!(offset_of!(sys::siren_jet, value), header::OFFSETOF_siren_jet_value);
    assert_eq!(offset_of!(sys::siren_jet, gradient), header::OFFSETOF_siren_jet_gradient);
    assert_eq!(offset_of!(sys::siren_jet, laplacian), header::OFFSETOF_siren_jet_laplacian);
    assert_eq!(offset_of!(sys::siren_jet, hessian_diag), header::OFFSETOF_siren_jet_hessian_diag);
}

#[test]
fn siren_adam_config_matches_the_header() {
    probe();
    assert_eq!(size_of::<sys::siren_adam_config>(), header::SIZEOF_siren_adam_config);
    assert_eq!(offset_of!(sys::siren_adam_config, size), header::OFFSETOF_siren_adam_config_size);
    assert_eq!(offset_of!(sys::siren_adam_config, lr), header::OFFSETOF_siren_adam_config_lr);
    assert_eq!(offset_of!(sys::siren_adam_config, beta1), header::OFFSETOF_siren_adam_config_beta1);
    assert_eq!(offset_of!(sys::siren_adam_config, beta2), header::OFFSETOF_siren_adam_config_beta2);
    assert_eq!(offset_of!(sys::siren_adam_config, eps), header::OFFSETOF_siren_adam_config_eps);
    assert_eq!(
        offset_of!(sys::siren_adam_config, weight_decay),
        header::OFFSETOF_siren_adam_config_weight_decay
    );
    assert_eq!(
        offset_of!(sys::siren_adam_config, clip_grad_norm),
        header::OFFSETOF_siren_adam_config_clip_grad_norm
    );
}

#[test]
fn siren_allocator_matches_the_header() {
    probe();
    assert_eq!(size_of::<sys::siren_allocator>(), header::SIZEOF_siren_allocator);
    assert_eq!(offset_of!(sys::siren_allocator, alloc), header::OFFSETOF_siren_allocator_alloc);
    assert_eq!(offset_of!(sys::siren_allocator, free), header::OFFSETOF_siren_allocator_free);
    assert_eq!(offset_of!(sys::siren_allocator, user), header::OFFSETOF_siren_allocator_user);
}

#[test]
fn constants_match_the_header() {
    probe();
    let pairs: [(i64, i64, &str); 17] = [
        (sys::SIREN_VERSION_MAJOR as i64, header::SIREN_VERSION_MAJOR, "SIREN_VERSION_MAJOR"),
        (sys::SIREN_VERSION_MINOR as i64, header::SIREN_VERSION_MINOR, "SIREN_VERSION_MINOR"),
        (sys::SIREN_VERSION_PATCH as i64, header::SIREN_VERSION_PATCH, "SIREN_VERSION_PATCH"),
        (sys::SIREN_OK as i64, header::SIREN_OK, "SIREN_OK"),
        (
            sys::SIREN_ERR_INVALID_ARGUMENT as i64,
            header::SIREN_ERR_INVALID_ARGUMENT,
            "INVALID_ARGUMENT",
        ),
        (sys::SIREN_ERR_OUT_OF_MEMORY as i64, header::SIREN_ERR_OUT_OF_MEMORY, "OUT_OF_MEMORY"),
        (sys::SIREN_ERR_TOO_LARGE as i64, header::SIREN_ERR_TOO_LARGE, "TOO_LARGE"),
        (sys::SIREN_ERR_IO as i64, header::SIREN_ERR_IO, "IO"),
        (sys::SIREN_ERR_FORMAT as i64, header::SIREN_ERR_FORMAT, "FORMAT"),
        (sys::SIREN_ERR_VERSION as i64, header::SIREN_ERR_VERSION, "VERSION"),
        (sys::SIREN_ERR_STATE as i64, header::SIREN_ERR_STATE, "STATE"),
        (sys::SIREN_ERR_NONFINITE as i64, header::SIREN_ERR_NONFINITE, "NONFINITE"),
        (sys::SIREN_VALUE as i64, header::SIREN_VALUE, "SIREN_VALUE"),
        (sys::SIREN_GRADIENT as i64, header::SIREN_GRADIENT, "SIREN_GRADIENT"),
        (sys::SIREN_LAPLACIAN as i64, header::SIREN_LAPLACIAN, "SIREN_LAPLACIAN"),
        (sys::SIREN_HESSIAN_DIAG as i64, header::SIREN_HESSIAN_DIAG, "SIREN_HESSIAN_DIAG"),
        (sys::SIREN_EVAL_ONLY as i64, header::SIREN_EVAL_ONLY, "SIREN_EVAL_ONLY"),
    ];
    for (rust, c, name) in pairs.iter() {
        assert_eq!(rust, c, "{}", name);
    }
    assert_eq!(sys::SIREN_MAX_PARAMS as i64, header::SIREN_MAX_PARAMS);
}

#[test]
fn every_function_is_declared_with_the_headers_type() {
    if let Some(why) = header::FUNCTION_CHECK_ERROR {
        panic!("{}", why);
    }
    let mut header_names: Vec<&str> = header::HEADER_FUNCTIONS.to_vec();
    let mut sys_names: Vec<&str> = header::SYS_FUNCTIONS.to_vec();
    header_names.sort_unstable();
    sys_names.sort_unstable();
    assert!(header_names.len() >= 38, "found only {:?} in siren.h", header_names);
    assert_eq!(sys_names, header_names, "src/sys.rs and siren.h declare different functions");
}

#[test]
fn the_crate_has_the_headers_version() {
    probe();
    let header_version = format!(
        "{}.{}.{}",
        header::SIREN_VERSION_MAJOR,
        header::SIREN_VERSION_MINOR,
        header::SIREN_VERSION_PATCH
    );
    assert_eq!(
        env!("CARGO_PKG_VERSION"),
        header_version,
        "bump Cargo.toml's version with siren.h's"
    );
}

#[test]
fn the_linked_library_has_the_headers_major_version() {
    assert_eq!(siren::version_number() / 10000, sys::SIREN_VERSION_MAJOR);
    assert!(siren::version().starts_with(&format!("{}.", sys::SIREN_VERSION_MAJOR)));
}
