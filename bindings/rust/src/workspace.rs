//! Workspace: evaluation and training passes (siren_workspace).

use std::ops::BitOr;
use std::ptr::{self, NonNull};

use crate::error::{check, check_with, Error, Result};
use crate::net::{Config, Net};
use crate::sys;

/// Which quantities a workspace or a call computes; combine with `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantities(u32);

impl Quantities {
    pub const VALUE: Quantities = Quantities(sys::SIREN_VALUE);
    pub const GRADIENT: Quantities = Quantities(sys::SIREN_GRADIENT);
    pub const LAPLACIAN: Quantities = Quantities(sys::SIREN_LAPLACIAN);
    pub const HESSIAN_DIAG: Quantities = Quantities(sys::SIREN_HESSIAN_DIAG);
    pub const ALL: Quantities = Quantities(
        sys::SIREN_VALUE | sys::SIREN_GRADIENT | sys::SIREN_LAPLACIAN | sys::SIREN_HESSIAN_DIAG,
    );

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn contains(self, other: Quantities) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Quantities {
    type Output = Quantities;
    fn bitor(self, other: Quantities) -> Quantities {
        Quantities(self.0 | other.0)
    }
}

/// Output slices of an evaluation, for n points: value and laplacian hold
/// n * out floats ([n][out]), gradient and hessian_diag n * out * in
/// ([n][out][in]). None: not computed.
#[derive(Debug, Default)]
pub struct Jet<'a> {
    pub value: Option<&'a mut [f32]>,
    pub gradient: Option<&'a mut [f32]>,
    pub laplacian: Option<&'a mut [f32]>,
    pub hessian_diag: Option<&'a mut [f32]>,
}

/// Adjoints d(loss)/d(output) of the last forward, same layouts as Jet.
/// None: zero.
#[derive(Debug, Default, Clone, Copy)]
pub struct Adjoint<'a> {
    pub value: Option<&'a [f32]>,
    pub gradient: Option<&'a [f32]>,
    pub laplacian: Option<&'a [f32]>,
    pub hessian_diag: Option<&'a [f32]>,
}

/// Owned outputs of `Workspace::evaluate`; layouts as Jet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outputs {
    pub value: Option<Vec<f32>>,
    pub gradient: Option<Vec<f32>>,
    pub laplacian: Option<Vec<f32>>,
    pub hessian_diag: Option<Vec<f32>>,
}

/// Floats per point of (value or laplacian, gradient or hessian_diag).
fn per_point(config: &Config) -> (usize, usize) {
    let out = config.out_features as usize;
    (out, out * config.in_features as usize)
}

fn check_len(function: &'static str, name: &str, len: usize, want: usize, n: usize) -> Result<()> {
    if len == want {
        Ok(())
    } else {
        Err(Error::argument(
            function,
            format!("{} has {} floats; {} points need {}", name, len, n, want),
        ))
    }
}

/// An owned siren_workspace, freed on drop: all scratch memory for up to
/// max_points points per call. One workspace serves one thread at a time
/// (calls take &mut self); give each thread its own.
pub struct Workspace {
    raw: NonNull<sys::siren_workspace>,
    config: Config,
    max_points: usize,
    what: Quantities,
    forward_points: Option<usize>,
}

// SAFETY: the workspace owns its memory and threads; &mut self serialises use.
unsafe impl Send for Workspace {}

impl Workspace {
    /// siren_workspace_create for `net`'s architecture.
    pub fn new(net: &Net, max_points: usize, what: Quantities) -> Result<Workspace> {
        Workspace::create(net, max_points, what, 0)
    }

    /// A workspace for eval only (no tape: less memory; forward fails).
    pub fn new_eval_only(net: &Net, max_points: usize, what: Quantities) -> Result<Workspace> {
        Workspace::create(net, max_points, what, sys::SIREN_EVAL_ONLY)
    }

    fn create(net: &Net, max_points: usize, what: Quantities, extra: u32) -> Result<Workspace> {
        let mut out = ptr::null_mut();
        let status = unsafe {
            sys::siren_workspace_create(net.as_ptr(), max_points, what.0 | extra, &mut out)
        };
        check_with(status, "siren_workspace_create", || {
            format!("max_points {}, quantities {:#x}", max_points, what.0)
        })?;
        Ok(Workspace {
            raw: NonNull::new(out).expect("created"),
            config: *net.config(),
            max_points,
            what,
            forward_points: None,
        })
    }

    /// siren_workspace_bytes: the memory such a workspace takes.
    pub fn bytes(net: &Net, max_points: usize, what: Quantities) -> Result<usize> {
        let mut bytes = 0usize;
        let status =
            unsafe { sys::siren_workspace_bytes(net.as_ptr(), max_points, what.0, &mut bytes) };
        check(status, "siren_workspace_bytes")?;
        Ok(bytes)
    }

    pub fn max_points(&self) -> usize {
        self.max_points
    }

    pub fn quantities(&self) -> Quantities {
        self.what
    }

    /// The laplacian becomes sum_k weights[k] d2y/dx_k^2 (one weight per
    /// input); None restores all ones. Discards the last forward: a
    /// backward before the next forward is an error (SIREN_ERR_STATE).
    pub fn set_laplacian_weights(&mut self, weights: Option<&[f32]>) -> Result<()> {
        const F: &str = "siren_workspace_set_laplacian_weights";
        let count = self.config.in_features as usize;
        let pointer = match weights {
            Some(w) => {
                check_len(F, "weights", w.len(), count, 1)?;
                w.as_ptr()
            }
            None => ptr::null(),
        };
        check(
            unsafe {
                sys::siren_workspace_set_laplacian_weights(self.raw.as_ptr(), pointer, count)
            },
            F,
        )
    }

    /// Threads per call, the caller's included (1 to 256); results are
    /// bit-identical for every count.
    pub fn set_threads(&mut self, threads: usize) -> Result<()> {
        let status = unsafe { sys::siren_workspace_set_threads(self.raw.as_ptr(), threads) };
        check_with(status, "siren_workspace_set_threads", || format!("{} threads", threads))
    }

    pub fn threads(&self) -> usize {
        unsafe { sys::siren_workspace_threads(self.raw.as_ptr()) }
    }

    /// siren_eval: the non-None members of `out` at the points x
    /// ([n][in] row-major); every slice length is checked first.
    pub fn eval(&mut self, net: &Net, x: &[f32], out: &mut Jet<'_>) -> Result<()> {
        let n = self.check_call("siren_eval", net, x, out)?;
        let jet = raw_jet(out);
        let status =
            unsafe { sys::siren_eval(net.as_ptr(), self.raw.as_ptr(), n, x.as_ptr(), &jet) };
        check_with(status, "siren_eval", || self.describe(n))
    }

    /// siren_forward: like eval, and keeps the tape for backward.
    pub fn forward(&mut self, net: &Net, x: &[f32], out: &mut Jet<'_>) -> Result<()> {
        self.forward_points = None;
        let n = self.check_call("siren_forward", net, x, out)?;
        let jet = raw_jet(out);
        let status =
            unsafe { sys::siren_forward(net.as_ptr(), self.raw.as_ptr(), n, x.as_ptr(), &jet) };
        check_with(status, "siren_forward", || self.describe(n))?;
        self.forward_points = Some(n);
        Ok(())
    }

    /// siren_backward: adds d(loss)/d(parameters) into net's gradients.
    /// net must be the network of the last forward on this workspace, with
    /// the parameters it had then (an Adam step, an init or a write of the
    /// parameters in between is an error; include/siren.h says which writes
    /// are found).
    pub fn backward(&mut self, net: &mut Net, adjoint: &Adjoint<'_>) -> Result<()> {
        const F: &str = "siren_backward";
        self.check_architecture(F, net)?;
        if let Some(n) = self.forward_points {
            check_adjoints(F, &self.config, adjoint, n)?;
        }
        let jet = adjoint_jet(adjoint);
        // SAFETY: the library only reads adjoints (const siren_jet *).
        let status = unsafe { sys::siren_backward(net.as_mut_ptr(), self.raw.as_ptr(), &jet) };
        check_with(status, F, || {
            "backward needs a forward of this net on this workspace that computed \
             every quantity given an adjoint"
                .to_string()
        })
    }

    /// eval into new vectors: the quantities `what` at the points x.
    pub fn evaluate(&mut self, net: &Net, x: &[f32], what: Quantities) -> Result<Outputs> {
        let n = x.len() / net.in_features().max(1);
        let (one, many) = per_point(net.config());
        let make = |q: Quantities, floats: usize| {
            if what.contains(q) {
                Some(vec![0.0f32; n * floats])
            } else {
                None
            }
        };
        let mut outputs = Outputs {
            value: make(Quantities::VALUE, one),
            gradient: make(Quantities::GRADIENT, many),
            laplacian: make(Quantities::LAPLACIAN, one),
            hessian_diag: make(Quantities::HESSIAN_DIAG, many),
        };
        let mut jet = Jet {
            value: outputs.value.as_deref_mut(),
            gradient: outputs.gradient.as_deref_mut(),
            laplacian: outputs.laplacian.as_deref_mut(),
            hessian_diag: outputs.hessian_diag.as_deref_mut(),
        };
        self.eval(net, x, &mut jet)?;
        Ok(outputs)
    }

    /// siren_eval_instances: evaluates `instances` networks of `net`'s
    /// architecture at once (what a hypernetwork does with the SIRENs it
    /// generates). params holds one flat parameter vector per network
    /// (instances * param_count floats, siren.h's layout; net's own
    /// parameters are not used), x the points of each network in turn
    /// ([instances][n][in]), and every output is laid out
    /// [instances][n][...]. Slice lengths are checked first.
    pub fn eval_instances(
        &mut self,
        net: &Net,
        params: &[f32],
        x: &[f32],
        out: &mut Jet<'_>,
    ) -> Result<()> {
        const F: &str = "siren_eval_instances";
        let (instances, n) = self.check_instances_call(F, net, params, x, out)?;
        let jet = raw_jet(out);
        let status = unsafe {
            sys::siren_eval_instances(
                net.as_ptr(),
                self.raw.as_ptr(),
                instances,
                params.as_ptr(),
                n,
                x.as_ptr(),
                &jet,
            )
        };
        check_with(status, F, || self.describe(instances * n))
    }

    /// siren_forward_instances: like eval_instances, and keeps the tape.
    /// The returned `InstancesTape` borrows the workspace and the
    /// parameters until its backward is done, so that they cannot change
    /// in between (the C library reads them again).
    pub fn forward_instances<'a>(
        &'a mut self,
        net: &'a Net,
        params: &'a [f32],
        x: &[f32],
        out: &mut Jet<'_>,
    ) -> Result<InstancesTape<'a>> {
        const F: &str = "siren_forward_instances";
        self.forward_points = None;
        let (instances, points) = self.check_instances_call(F, net, params, x, out)?;
        let jet = raw_jet(out);
        let status = unsafe {
            sys::siren_forward_instances(
                net.as_ptr(),
                self.raw.as_ptr(),
                instances,
                params.as_ptr(),
                points,
                x.as_ptr(),
                &jet,
            )
        };
        check_with(status, F, || self.describe(instances * points))?;
        Ok(InstancesTape { ws: self, net, params, instances, points })
    }

    pub fn as_mut_ptr(&mut self) -> *mut sys::siren_workspace {
        self.raw.as_ptr()
    }

    /// Checks an instances call's slices; returns (instances, n).
    fn check_instances_call(
        &self,
        function: &'static str,
        net: &Net,
        params: &[f32],
        x: &[f32],
        out: &Jet<'_>,
    ) -> Result<(usize, usize)> {
        self.check_architecture(function, net)?;
        let count = net.param_count();
        if params.len() % count != 0 {
            return Err(Error::argument(
                function,
                format!(
                    "params has {} floats: need instances * {} (one parameter vector per network)",
                    params.len(),
                    count
                ),
            ));
        }
        let instances = params.len() / count;
        let per_instance = instances * net.in_features();
        if (per_instance == 0 && !x.is_empty()) || (per_instance > 0 && x.len() % per_instance != 0)
        {
            return Err(Error::argument(
                function,
                format!(
                    "x has {} floats: need {} networks x n points x {} coordinates",
                    x.len(),
                    instances,
                    net.in_features()
                ),
            ));
        }
        let n = if per_instance == 0 { 0 } else { x.len() / per_instance };
        self.check_outputs(function, net, out, instances * n)?;
        Ok((instances, n))
    }

    fn check_architecture(&self, function: &'static str, net: &Net) -> Result<()> {
        if *net.config() == self.config {
            Ok(())
        } else {
            Err(Error::state(
                function,
                format!("the workspace is for {:?}, the net is {:?}", self.config, net.config()),
            ))
        }
    }

    /// Checks the architecture and every slice length; returns n.
    fn check_call(
        &self,
        function: &'static str,
        net: &Net,
        x: &[f32],
        out: &Jet<'_>,
    ) -> Result<usize> {
        self.check_architecture(function, net)?;
        let dims = net.in_features();
        if x.len() % dims != 0 {
            return Err(Error::argument(
                function,
                format!("x has {} floats: need n points of {} coordinates", x.len(), dims),
            ));
        }
        let n = x.len() / dims;
        self.check_outputs(function, net, out, n)?;
        Ok(n)
    }

    /// Each output slice holds exactly the floats of n points.
    fn check_outputs(
        &self,
        function: &'static str,
        net: &Net,
        out: &Jet<'_>,
        n: usize,
    ) -> Result<()> {
        let (one, many) = per_point(net.config());
        let members = [
            ("value", out.value.as_deref(), one),
            ("gradient", out.gradient.as_deref(), many),
            ("laplacian", out.laplacian.as_deref(), one),
            ("hessian_diag", out.hessian_diag.as_deref(), many),
        ];
        for (name, slice, floats) in members.iter() {
            if let Some(s) = slice {
                check_len(function, name, s.len(), n * floats, n)?;
            }
        }
        Ok(())
    }

    fn describe(&self, n: usize) -> String {
        format!(
            "{} points, max_points {}, workspace quantities {:#x}",
            n, self.max_points, self.what.0
        )
    }
}

/// The last forward_instances of a workspace, kept for its backward: it
/// borrows the workspace, the net and the parameters until dropped.
pub struct InstancesTape<'a> {
    ws: &'a mut Workspace,
    net: &'a Net,
    params: &'a [f32],
    instances: usize,
    points: usize,
}

impl<'a> InstancesTape<'a> {
    pub fn instances(&self) -> usize {
        self.instances
    }

    /// Points per instance.
    pub fn points(&self) -> usize {
        self.points
    }

    /// siren_backward_instances: adds d(loss)/d(parameters of network i)
    /// into grads[i * param_count..], from the adjoints of the forward's
    /// outputs (same layouts); grads holds instances * param_count floats.
    /// May be called more than once (the gradients add up).
    pub fn backward(&mut self, adjoint: &Adjoint<'_>, grads: &mut [f32]) -> Result<()> {
        const F: &str = "siren_backward_instances";
        check_adjoints(F, self.net.config(), adjoint, self.instances * self.points)?;
        check_len(F, "grads", grads.len(), self.params.len(), self.instances)?;
        let jet = adjoint_jet(adjoint);
        let status = unsafe {
            sys::siren_backward_instances(
                self.net.as_ptr(),
                self.ws.raw.as_ptr(),
                &jet,
                grads.as_mut_ptr(),
            )
        };
        check_with(status, F, || {
            "backward_instances needs this tape's forward_instances to be the workspace's \
             last forward, computing every quantity given an adjoint"
                .to_string()
        })
    }
}

impl std::fmt::Debug for InstancesTape<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstancesTape")
            .field("instances", &self.instances)
            .field("points", &self.points)
            .finish()
    }
}

/// Each adjoint slice holds exactly the floats of the forward's n points.
fn check_adjoints(
    function: &'static str,
    config: &Config,
    adjoint: &Adjoint<'_>,
    n: usize,
) -> Result<()> {
    let (one, many) = per_point(config);
    let members = [
        ("value adjoint", adjoint.value, one),
        ("gradient adjoint", adjoint.gradient, many),
        ("laplacian adjoint", adjoint.laplacian, one),
        ("hessian_diag adjoint", adjoint.hessian_diag, many),
    ];
    for (name, slice, floats) in members.iter() {
        if let Some(s) = slice {
            check_len(function, name, s.len(), n * floats, n)?;
        }
    }
    Ok(())
}

/// The adjoints as a siren_jet (the library only reads them).
fn adjoint_jet(adjoint: &Adjoint<'_>) -> sys::siren_jet {
    let pointer = |s: Option<&[f32]>| s.map_or(ptr::null_mut(), |s| s.as_ptr() as *mut f32);
    sys::siren_jet {
        value: pointer(adjoint.value),
        gradient: pointer(adjoint.gradient),
        laplacian: pointer(adjoint.laplacian),
        hessian_diag: pointer(adjoint.hessian_diag),
    }
}

fn raw_jet(out: &mut Jet<'_>) -> sys::siren_jet {
    let pointer =
        |s: &mut Option<&mut [f32]>| s.as_deref_mut().map_or(ptr::null_mut(), |s| s.as_mut_ptr());
    sys::siren_jet {
        value: pointer(&mut out.value),
        gradient: pointer(&mut out.gradient),
        laplacian: pointer(&mut out.laplacian),
        hessian_diag: pointer(&mut out.hessian_diag),
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        unsafe { sys::siren_workspace_free(self.raw.as_ptr()) }
    }
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("max_points", &self.max_points)
            .field("quantities", &self.what)
            .finish()
    }
}
