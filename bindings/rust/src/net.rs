//! Net: a SIREN (siren_net), its parameters and gradients, model files.

use std::ffi::CString;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::error::{check, check_file, check_with, Error, Result};
use crate::sys;

/// The architecture (siren_config); `Config::default()` is
/// siren_config_default: 2 -> 256 x 4 -> 1, omega 30, linear last layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub in_features: u32,
    pub out_features: u32,
    pub hidden_features: u32,
    /// Layers of width hidden_features after the first.
    pub hidden_layers: u32,
    pub first_omega: f32,
    pub hidden_omega: f32,
    pub outermost_linear: bool,
}

impl Default for Config {
    fn default() -> Config {
        let mut raw = std::mem::MaybeUninit::<sys::siren_config>::zeroed();
        // SAFETY: fills every member of the struct.
        unsafe { sys::siren_config_default(raw.as_mut_ptr()) };
        Config::from_raw(unsafe { &raw.assume_init() })
    }
}

impl Config {
    pub(crate) fn from_raw(raw: &sys::siren_config) -> Config {
        Config {
            in_features: raw.in_features,
            out_features: raw.out_features,
            hidden_features: raw.hidden_features,
            hidden_layers: raw.hidden_layers,
            first_omega: raw.first_omega,
            hidden_omega: raw.hidden_omega,
            outermost_linear: raw.outermost_linear != 0,
        }
    }

    pub(crate) fn to_raw(self) -> sys::siren_config {
        let mut raw = std::mem::MaybeUninit::<sys::siren_config>::zeroed();
        // SAFETY: siren_config_default sets `size` (and every member).
        unsafe { sys::siren_config_default(raw.as_mut_ptr()) };
        let mut raw = unsafe { raw.assume_init() };
        raw.in_features = self.in_features;
        raw.out_features = self.out_features;
        raw.hidden_features = self.hidden_features;
        raw.hidden_layers = self.hidden_layers;
        raw.first_omega = self.first_omega;
        raw.hidden_omega = self.hidden_omega;
        raw.outermost_linear = i32::from(self.outermost_linear);
        raw
    }
}

/// An owned siren_net, freed on drop. Parameters are zero until `init`.
/// Evaluating (`&Net`) from many threads at once is allowed (siren.h);
/// changing it needs `&mut Net`.
pub struct Net {
    raw: NonNull<sys::siren_net>,
    config: Config,
    count: usize,
}

// SAFETY: siren.h: a net no thread modifies may be used from many threads;
// every modifying call takes &mut self.
unsafe impl Send for Net {}
unsafe impl Sync for Net {}

impl Net {
    /// siren_net_create: parameters and gradients zero.
    pub fn new(config: &Config) -> Result<Net> {
        let raw = config.to_raw();
        let mut out = ptr::null_mut();
        // SAFETY: raw is a complete siren_config; out is written on success.
        let status = unsafe { sys::siren_net_create(&raw, &mut out) };
        check_with(status, "siren_net_create", || format!("{:?}", config))?;
        Ok(unsafe { Net::adopt(out) })
    }

    /// Takes ownership of a net the library created.
    ///
    /// # Safety
    /// `raw` must be a live siren_net that nothing else frees.
    pub unsafe fn adopt(raw: *mut sys::siren_net) -> Net {
        let raw = NonNull::new(raw).expect("siren_net is not NULL");
        let mut cfg = std::mem::MaybeUninit::<sys::siren_config>::zeroed();
        sys::siren_net_config(raw.as_ptr(), cfg.as_mut_ptr());
        let config = Config::from_raw(&cfg.assume_init());
        let count = sys::siren_net_param_count(raw.as_ptr());
        Net { raw, config, count }
    }

    /// A net from `config`, initialised with `seed`.
    pub fn with_seed(config: &Config, seed: u64) -> Result<Net> {
        let mut net = Net::new(config)?;
        net.init(seed)?;
        Ok(net)
    }

    /// siren_net_init: the sine-aware initialisation, the same parameters
    /// for a seed on every platform; zeroes the gradients.
    pub fn init(&mut self, seed: u64) -> Result<()> {
        check(unsafe { sys::siren_net_init(self.raw.as_ptr(), seed) }, "siren_net_init")
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn in_features(&self) -> usize {
        self.config.in_features as usize
    }

    pub fn out_features(&self) -> usize {
        self.config.out_features as usize
    }

    pub fn param_count(&self) -> usize {
        self.count
    }

    /// The parameters, in siren.h's flat layout (per layer W[out][in]
    /// row-major, then b), borrowed from the library without a copy.
    pub fn params(&self) -> &[f32] {
        // SAFETY: count floats owned by the net, alive while it is borrowed.
        unsafe { slice(sys::siren_net_params(self.raw.as_ptr()), self.count) }
    }

    pub fn params_mut(&mut self) -> &mut [f32] {
        unsafe { slice_mut(sys::siren_net_params(self.raw.as_ptr()), self.count) }
    }

    /// The gradients, same layout; `Workspace::backward` adds into them.
    pub fn grads(&self) -> &[f32] {
        unsafe { slice(sys::siren_net_grads(self.raw.as_ptr()), self.count) }
    }

    pub fn grads_mut(&mut self) -> &mut [f32] {
        unsafe { slice_mut(sys::siren_net_grads(self.raw.as_ptr()), self.count) }
    }

    pub fn zero_grad(&mut self) {
        unsafe { sys::siren_net_zero_grad(self.raw.as_ptr()) }
    }

    /// siren_net_save: architecture and parameters, written atomically.
    /// A file that cannot be written is `Status::Io` with the OS reason
    /// (`Error::io_error`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let c_path = c_path(path.as_ref(), "siren_net_save")?;
        let status = unsafe { sys::siren_net_save(self.raw.as_ptr(), c_path.as_ptr()) };
        check_file(status, "siren_net_save", path.as_ref())
    }

    /// siren_net_load.
    pub fn load(path: impl AsRef<Path>) -> Result<Net> {
        let c_path = c_path(path.as_ref(), "siren_net_load")?;
        let mut out = ptr::null_mut();
        let status = unsafe { sys::siren_net_load(c_path.as_ptr(), &mut out) };
        check_file(status, "siren_net_load", path.as_ref())?;
        Ok(unsafe { Net::adopt(out) })
    }

    /// The model file's bytes (siren_net_save_buffer).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        read_buffer("siren_net_save_buffer", |buf, cap, len| unsafe {
            sys::siren_net_save_buffer(self.raw.as_ptr(), buf, cap, len)
        })
    }

    /// siren_net_load_buffer.
    pub fn from_bytes(bytes: &[u8]) -> Result<Net> {
        let mut out = ptr::null_mut();
        let status =
            unsafe { sys::siren_net_load_buffer(bytes.as_ptr().cast(), bytes.len(), &mut out) };
        check_with(status, "siren_net_load_buffer", || format!("{} bytes", bytes.len()))?;
        Ok(unsafe { Net::adopt(out) })
    }

    /// A copy of the architecture and parameters (gradients zero).
    pub fn try_clone(&self) -> Result<Net> {
        Net::from_bytes(&self.to_bytes()?)
    }

    pub fn as_ptr(&self) -> *const sys::siren_net {
        self.raw.as_ptr()
    }

    pub fn as_mut_ptr(&mut self) -> *mut sys::siren_net {
        self.raw.as_ptr()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        unsafe { sys::siren_net_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net")
            .field("config", &self.config)
            .field("param_count", &self.count)
            .finish()
    }
}

unsafe fn slice<'a>(data: *const f32, count: usize) -> &'a [f32] {
    if count == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(data, count)
    }
}

unsafe fn slice_mut<'a>(data: *mut f32, count: usize) -> &'a mut [f32] {
    if count == 0 {
        &mut []
    } else {
        std::slice::from_raw_parts_mut(data, count)
    }
}

pub(crate) fn c_path(path: &Path, function: &'static str) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        Error::argument(function, format!("the path {} contains a NUL byte", path.display()))
    })
}

/// Runs a *_save_buffer call twice: for the size (TOO_LARGE answers it),
/// then into a buffer of that size.
pub(crate) fn read_buffer(
    function: &'static str,
    mut save: impl FnMut(*mut std::os::raw::c_void, usize, *mut usize) -> std::os::raw::c_int,
) -> Result<Vec<u8>> {
    let mut len = 0usize;
    let status = save(ptr::null_mut(), 0, &mut len);
    if status != sys::SIREN_ERR_TOO_LARGE {
        check(status, function)?;
    }
    let mut bytes = vec![0u8; len];
    check(save(bytes.as_mut_ptr().cast(), len, &mut len), function)?;
    bytes.truncate(len);
    Ok(bytes)
}
