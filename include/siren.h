/*
 * siren.h - libsiren, sinusoidal representation networks (SIREN) on the CPU.
 *
 * This header is the whole public interface and its manual. libsiren fits
 * and evaluates SIRENs (Sitzmann et al., 2020) together with their input
 * derivatives: the gradient, the (optionally weighted) Laplacian and the
 * Hessian diagonal, computed with forward-mode jets (docs/DESIGN.md).
 *
 * Conventions that hold for every function below:
 *  - Functions that can fail return int: SIREN_OK (0) or a negative
 *    siren_status. On failure no output argument is written and no object
 *    passed in is changed, unless the function says otherwise.
 *  - The library never prints, never aborts and never exits.
 *  - *_free functions accept NULL.
 *  - Objects are opaque and owned by the caller, who frees them with the
 *    matching *_free function. Pointers returned by accessors (parameters,
 *    gradients, strings) are owned by the library and stay valid until the
 *    owning object is freed.
 *  - Threads: different objects may be used from different threads at once.
 *    A siren_net that no thread modifies may be evaluated from many threads
 *    at once, each with its own siren_workspace. Calls that modify an object
 *    (the net's parameters or gradients, a workspace, an optimiser) must not
 *    run concurrently with any other call on the same object.
 *
 * Copyright (c) 2026 the libsiren authors. MIT licence, see LICENSE.
 */
#ifndef SIREN_H
#define SIREN_H

#include <stddef.h>
#include <stdint.h>

#ifndef SIREN_API
#  if defined(__GNUC__) && __GNUC__ >= 4
#    define SIREN_API __attribute__((visibility("default")))
#  else
#    define SIREN_API
#  endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- version */

/* The version of this header. The Makefile reads these three lines: they
   are the single source of truth for the library's version and soname. */
#define SIREN_VERSION_MAJOR 1
#define SIREN_VERSION_MINOR 0
#define SIREN_VERSION_PATCH 0

#define SIREN_VERSION_NUMBER \
    (SIREN_VERSION_MAJOR * 10000 + SIREN_VERSION_MINOR * 100 + SIREN_VERSION_PATCH)
#define SIREN_VERSION_STRINGIFY_(x) #x
#define SIREN_VERSION_STRINGIFY(x) SIREN_VERSION_STRINGIFY_(x)
#define SIREN_VERSION_STRING                        \
    SIREN_VERSION_STRINGIFY(SIREN_VERSION_MAJOR) "." \
    SIREN_VERSION_STRINGIFY(SIREN_VERSION_MINOR) "." \
    SIREN_VERSION_STRINGIFY(SIREN_VERSION_PATCH)

/* The version of the library actually linked, which may be newer than the
   header a program was compiled with (same major version: same ABI). */
SIREN_API unsigned siren_version_number(void);
SIREN_API const char *siren_version_string(void);

/* ----------------------------------------------------------------- status */

typedef enum siren_status {
    SIREN_OK = 0,
    SIREN_ERR_INVALID_ARGUMENT = -1,  /* NULL, zero or inconsistent size */
    SIREN_ERR_OUT_OF_MEMORY    = -2,
    SIREN_ERR_TOO_LARGE        = -3,  /* size arithmetic would overflow, or n > max_points */
    SIREN_ERR_IO               = -4,  /* file could not be opened/read/written;
                                         errno says why (see "model files") */
    SIREN_ERR_FORMAT           = -5,  /* not a model file, truncated, corrupt */
    SIREN_ERR_VERSION          = -6,  /* model file from a newer format version */
    SIREN_ERR_STATE            = -7,  /* e.g. backward with no forward, wrong net */
    SIREN_ERR_NONFINITE        = -8   /* NaN or infinite gradients: nothing was changed */
} siren_status;                       /* more codes may be appended */

/* A short English description of a status code, e.g. "invalid argument".
   Never NULL: unknown codes give "unknown status". Thread-safe. */
SIREN_API const char *siren_status_string(int status);

/* ---------------------------------------------------------------- handles */

typedef struct siren_net siren_net;             /* opaque: architecture, parameters, gradients */
typedef struct siren_workspace siren_workspace; /* opaque: all scratch memory of evaluation */
typedef struct siren_adam siren_adam;           /* opaque: Adam optimiser state */

/* ------------------------------------------------------------ the network */

/* The architecture of a SIREN:
 *   layer 0:        h = sin(first_omega  * (W0 x + b0))    in_features -> hidden
 *   hidden layers:  h = sin(hidden_omega * (W h + b))      hidden -> hidden, hidden_layers times
 *   last layer:     y = W h + b                             hidden -> out_features
 *                   (or sin(hidden_omega * (W h + b)) when outermost_linear is 0)
 * Always start from siren_config_default(), then change members: `size`
 * lets later versions grow the struct without breaking old callers. */
typedef struct siren_config {
    uint32_t size;             /* sizeof(siren_config): set by _default */
    uint32_t in_features;      /* default 2   */
    uint32_t out_features;     /* default 1   */
    uint32_t hidden_features;  /* default 256 */
    uint32_t hidden_layers;    /* default 3: layers of width hidden_features
                                  after the first; 5 linear layers in all */
    float    first_omega;      /* default 30  */
    float    hidden_omega;     /* default 30  */
    int32_t  outermost_linear; /* default 1   */
} siren_config;

/* Fills *cfg with the defaults above (the reference image-fitting SIREN).
   NULL is ignored. */
SIREN_API void siren_config_default(siren_config *cfg);

/* Creates a network with the architecture *cfg and all parameters and
   gradients zero (call siren_net_init for the SIREN initialisation).
   Returns INVALID_ARGUMENT for NULL arguments, a wrong cfg->size, a zero
   feature count, an omega that is not finite and positive; TOO_LARGE when
   the parameter count or its byte size would overflow (or exceeds
   SIREN_MAX_PARAMS); OUT_OF_MEMORY. *out is set only on success. */
SIREN_API int    siren_net_create(const siren_config *cfg, siren_net **out); /* zeros */
SIREN_API void   siren_net_free(siren_net *net);

/* The sine-aware initialiser of the reference implementation, n = fan-in:
 *   first layer weights   U(-1/n, 1/n)
 *   other weights         U(-sqrt(6/n)/hidden_omega, +sqrt(6/n)/hidden_omega)
 *   every bias            U(-1/sqrt(n), 1/sqrt(n))
 * drawn from the library's own generator (SplitMix64 seeding xoshiro256**),
 * in parameter order, so a seed gives bit-identical parameters on every
 * platform. Gradients are set to zero. INVALID_ARGUMENT for NULL, and when
 * hidden_omega is so small that sqrt(6/n)/hidden_omega exceeds FLT_MAX
 * (nothing is changed then). */
SIREN_API int    siren_net_init(siren_net *net, uint64_t seed);  /* sine-aware init */

/* Number of float parameters (0 for NULL). The layout of the flat array:
   for each layer in order, W[out][in] row-major, then b[out] (the PyTorch
   state_dict order: a torch SIREN's parameters can be memcpy'd in). */
SIREN_API size_t siren_net_param_count(const siren_net *net);
/* The parameters may be read and written through this pointer at any
   time but between siren_forward and siren_backward, where a write makes
   the forward pass stale (see siren_backward). */
SIREN_API float *siren_net_params(siren_net *net);     /* layout above */
SIREN_API float *siren_net_grads(siren_net *net);      /* same layout  */
/* Sets every gradient to zero; siren_backward adds into the gradients. */
SIREN_API void   siren_net_zero_grad(siren_net *net);

/* Copies the architecture of net into *cfg (cfg->size is set).
   INVALID_ARGUMENT for NULL. */
SIREN_API int    siren_net_config(const siren_net *net, siren_config *cfg);
/* Largest parameter count siren_net_create accepts (2^31 - 1: offsets fit
   in a signed 32-bit integer, and model files stay below 8 GiB). */
#define SIREN_MAX_PARAMS ((size_t)0x7fffffff)

/* --------------------------------------------------------- the workspace */

/* What a workspace can compute: an OR of these flags. */
enum { SIREN_VALUE = 1, SIREN_GRADIENT = 2, SIREN_LAPLACIAN = 4,
       SIREN_HESSIAN_DIAG = 8 };
/* Added to `what`: the workspace is for siren_eval only and keeps no tape
   for siren_backward. Its memory then does not grow with max_points
   beyond about 1 MiB of jets: each thread evaluates its points in tiles
   of that size, so it takes about 2.5 MiB per thread (5 MiB with 2
   threads for a million points of a 256-wide network's Laplacian; more
   for deep one-output networks asked for their gradient, whose tiles hold
   sin and cos of every layer for 64 points; with a CBLAS build, two
   buffers of one segment's jets, up to 64 MiB each, see
   siren_backward). siren_forward on such a
   workspace returns SIREN_ERR_STATE. */
enum { SIREN_EVAL_ONLY = 256 };

/* Creates a workspace that evaluates `net` (or any network with the same
   architecture) on up to max_points points per call, for the quantities in
   `what`. The workspace owns all scratch memory: siren_eval, siren_forward
   and siren_backward never allocate. Memory grows linearly with max_points
   (except SIREN_EVAL_ONLY's) and with the number of jet channels (1 for the value, 1+D with the
   gradient, D+2 with the Laplacian, 2D+1 with the Hessian diagonal, where
   D = in_features): the tape keeps, per point and per neuron of every
   layer, whichever is more of one float per channel (for a Laplacian,
   the D + 2 of its jets; layer 0's only when max_points fit one
   segment, below) and 3 floats for value-only passes (5 when a
   one-output network's gradient may go by reverse mode). The rest does
   not grow with max_points beyond one segment (about 64 MiB of jets):
   three buffers of one segment's jets, five when derivative jets are
   asked for and max_points exceed a segment (siren_backward then
   recomputes layer 0 and sin, cos; docs/DESIGN.md, "Memory"). See
   siren_workspace_bytes.
   INVALID_ARGUMENT: NULL, max_points 0, `what` 0 or with unknown bits.
   TOO_LARGE: the byte size would overflow. OUT_OF_MEMORY. */
SIREN_API int  siren_workspace_create(const siren_net *net, size_t max_points,
                                      unsigned what, siren_workspace **out);
SIREN_API void siren_workspace_free(siren_workspace *ws);

/* The number of bytes siren_workspace_create would allocate for these
   arguments, in *bytes, with the default thread count (each thread of
   siren_workspace_set_threads adds about 520 KiB of matrix-product scratch
   and siren_eval's tiles, about 2 MiB).
   Same errors as siren_workspace_create. */
SIREN_API int  siren_workspace_bytes(const siren_net *net, size_t max_points,
                                     unsigned what, size_t *bytes);

/* Sets the Laplacian weights c_k, k < in_features: the laplacian output
   becomes sum_k c_k d2y/dx_k^2 (weights 1, -c^2, -c^2 give the wave
   operator u_tt - c^2 (u_xx + u_yy) in one channel). `weights` holds `count`
   floats, count == in_features; NULL (with count 0 or in_features)
   restores the default (all ones).
   Applies to later siren_eval/siren_forward calls on this workspace, and
   discards the workspace's forward pass: siren_backward before the next
   siren_forward returns STATE (it would mix the old and new weights).
   INVALID_ARGUMENT: ws NULL, count wrong, a weight not finite. */
SIREN_API int  siren_workspace_set_laplacian_weights(siren_workspace *ws,
                                                     const float *weights,
                                                     size_t count);

/* Sets how many threads the workspace's calls use, the calling thread
   included (1: no other thread). The default is SIREN_NUM_THREADS from the
   environment when it is a positive decimal integer (digits only; larger
   than 256 counts as 256), else the number of online CPUs. The threads are created here, once, and live as long as the
   workspace, and so does the per-thread scratch, which only grows (more
   threads than ever before allocate it; other counts above one make a new
   pool of threads; one thread allocates nothing, so it cannot fail).
   Results are bit-identical for every thread count.
   INVALID_ARGUMENT: ws NULL, threads 0 or more than 256. OUT_OF_MEMORY
   (or threads could not be created): the previous setting stays. */
SIREN_API int    siren_workspace_set_threads(siren_workspace *ws, size_t threads);
/* The workspace's thread count (0 for NULL). */
SIREN_API size_t siren_workspace_threads(const siren_workspace *ws);

/* ------------------------------------------------------------- evaluation */

/* Outputs of an evaluation, and adjoints of a backward pass. */
typedef struct siren_jet {
    float *value;          /* [n][out]      */
    float *gradient;       /* [n][out][in]  d out_j / d x_k  */
    float *laplacian;      /* [n][out]      sum_k d2 out_j / d x_k^2 */
    float *hessian_diag;   /* [n][out][in]  d2 out_j / d x_k^2 */
} siren_jet;   /* NULL member: not computed; as an adjoint: zero */

/* Evaluates net at the n points x ([n][in], row-major) and writes each
   non-NULL member of *out. Only the jet channels the requested quantities
   need are computed (a value-only call costs one channel).
   The laplacian is weighted by siren_workspace_set_laplacian_weights.
   Returns INVALID_ARGUMENT for NULL net/ws/out, or NULL x with n >= 1;
   STATE when the workspace was made for a different architecture or a
   requested quantity is not in the workspace's `what`; TOO_LARGE when
   n > max_points.
   n == 0 is a valid call that does nothing, as in BLAS and numpy: after
   the checks above it returns SIREN_OK without reading x (which may be
   NULL) or writing *out.
   For a network with one output and two or more inputs, when the gradient
   is the highest quantity asked for, it is taken by reverse mode (two
   matrix products per layer instead of 1 + in_features), as siren_forward
   takes it: the same bits (a CBLAS build takes it by jets here, equal to
   siren_forward's to float rounding).
   Small batches: a call of at most 24 points (per instance), whose jets
   fit 65,536 floats (n x channels x the widest layer: for a 256-wide
   network, 24 points of a 2-D or 3-D Laplacian; fewer for more channels)
   and, when a one-output network's gradient goes by reverse mode, whose
   sines and cosines of all layers fit 131,072 floats, runs on the calling
   thread with no set-up that grows with the network (the weights are read
   where they are, never packed or cached: parameters changed between
   calls are always the ones used). Its cost per point at 16 points is
   1.2x to 1.3x a large batch's, a single point's 8 us (value) and 12 us
   (with the gradient) on the reference network (docs/PERFORMANCE.md,
   "Latency"). Its matrix products sum in another order than a larger
   call's, so a point's outputs agree with those it gets in a larger call
   to float rounding (a few units in the last place), not to the bit (a
   one-output network's gradient goes by reverse mode there too, but for
   a single point, by jets). Results are still bit-identical for
   every call with the same n and every thread count, and siren_forward
   takes the same path for the same calls: siren_eval and siren_forward
   agree bit for bit whatever n.
   Points never mix: a NaN or infinite coordinate makes only its own point's
   outputs NaN.
   Concurrency: many threads may evaluate one const net at once, each with
   its own workspace. */
/* x is [n][in]. Quantities asked for must be in the workspace's `what`. */
SIREN_API int siren_eval(const siren_net *net, siren_workspace *ws, size_t n,
                         const float *x, const siren_jet *out);
/* Like eval, and keeps what backward needs in ws. For a network with one
   output and two or more inputs, when the gradient is the highest quantity
   asked for, the gradient is taken by reverse mode (cheaper to train on
   than jets, docs/DESIGN.md), as siren_eval takes it (a single point by
   jets in both): value and gradient bit-identical to siren_eval's (to
   float rounding in a CBLAS build). Its other outputs are bit-identical to
   siren_eval's for the same call too.
   n == 0 returns SIREN_OK and computes nothing, like siren_eval; the
   workspace then holds that empty forward (not the one before it), so a
   siren_backward after it returns SIREN_OK and adds nothing. */
SIREN_API int siren_forward(const siren_net *net, siren_workspace *ws, size_t n,
                            const float *x, const siren_jet *out);
/* Adds d(loss)/d(params) into siren_net_grads(net); adjoint members are
   d(loss)/d(the matching output of the last forward), same layouts.
   Each non-NULL adjoint member must name a quantity that the last
   siren_forward on ws computed (was non-NULL in its `out`), and net must be
   the network of that forward (not another, nor a new one made at its
   address), with the parameters it had then: otherwise STATE (also when
   ws holds no forward, or was made SIREN_EVAL_ONLY).
   Changing the parameters in between is the caller's error. These changes
   are found, and give STATE: siren_adam_step or siren_net_init on net;
   siren_workspace_set_laplacian_weights on ws; a write through
   siren_net_params that reaches the fingerprint of the parameters taken
   at the forward pass, the bits of 16 parameters of every layer spread
   evenly from its first weight to its last bias (so a write of every
   parameter, or of any whole layer, is found; a write of a few may not
   be, and then the gradients are those of neither network). Hashing
   every parameter instead would cost several times the forward pass on
   one point (docs/SECURITY.md).
   Backward may be called more than once after one forward (the gradients
   add up). One call may carry a large batch: siren_forward and
   siren_backward take its points in segments of about 64 MiB of jets
   (16,384 points of a 256-wide network's Laplacian), so only the tape
   grows with n (siren_workspace_bytes; a 256-wide network's
   Laplacian-supervised step on 65,536 points in one call peaks at about
   1.1 GB, docs/PERFORMANCE.md). Chunking by hand (forward and backward
   chunk by chunk, the gradients accumulate) bounds the tape too. */
SIREN_API int siren_backward(siren_net *net, siren_workspace *ws,
                             const siren_jet *adjoint);

/* ------------------------------------------- many networks, one architecture */

/* Evaluates `instances` SIRENs that share net's architecture but not its
   parameters: instance i uses the parameter vector params + i * P
   (P = siren_net_param_count(net), the documented flat layout; net's own
   parameters are not used and nothing is copied) on its own n points
   x + i * n * in. The outputs are [instances][n][...]: instance i's block of
   each member of *out starts at i * n points. This is how a hypernetwork
   evaluates the SIRENs it generates. instances * n must not exceed the
   workspace's max_points (TOO_LARGE). Other errors as siren_eval, and as
   there instances == 0 or n == 0 returns SIREN_OK and does nothing
   (params and x may then be NULL). */
SIREN_API int siren_eval_instances(const siren_net *net, siren_workspace *ws,
                                   size_t instances, const float *params, size_t n,
                                   const float *x, const siren_jet *out);
/* Like siren_eval_instances, and keeps what siren_backward_instances needs.
   params must stay alive and unchanged until the backward pass (a change
   that reaches their fingerprint, as siren_backward describes it, gives
   STATE there). */
SIREN_API int siren_forward_instances(const siren_net *net, siren_workspace *ws,
                                      size_t instances, const float *params, size_t n,
                                      const float *x, const siren_jet *out);
/* Adds d(loss)/d(params of instance i) into grads + i * P, for every
   instance of the last siren_forward_instances on ws (adjoints laid out as
   its outputs). STATE when ws's last forward was not a
   siren_forward_instances with this net (or siren_forward, whose params
   are net's own), or when its params changed since (see siren_backward;
   net's own parameters play no part). */
SIREN_API int siren_backward_instances(const siren_net *net, siren_workspace *ws,
                                       const siren_jet *adjoint, float *grads);

/* -------------------------------------------------------------- optimiser */

/* Adam, exactly as torch.optim.Adam (amsgrad off): with g the gradient
   (plus weight_decay * p when weight decay is on), t the step count,
       m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2,
       p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps).
   When clip_grad_norm > 0 the gradients are first scaled in place by
   min(1, clip / (norm + 1e-6)), norm the L2 norm of all of them, as
   torch.nn.utils.clip_grad_norm_ does. The step reads siren_net_grads(net)
   and does not zero them. */
typedef struct siren_adam_config {
    uint32_t size;          /* sizeof(siren_adam_config) */
    float lr;               /* default 1e-4 */
    float beta1, beta2;     /* default 0.9, 0.999 */
    float eps;              /* default 1e-8; must be > 0 */
    float weight_decay;     /* default 0 (L2, as torch.optim.Adam) */
    float clip_grad_norm;   /* default 0 = off; else max global L2 norm */
} siren_adam_config;
/* Fills *cfg with the defaults above; NULL is ignored. */
SIREN_API void siren_adam_config_default(siren_adam_config *cfg);
/* Creates an optimiser for networks with net's architecture, moments zero,
   step count 0. INVALID_ARGUMENT: NULL, wrong cfg->size, lr, decay or
   clip negative or not finite, eps not finite or not positive (a step
   divides by sqrt(v) + eps, and v is 0 where every gradient so far was 0),
   betas outside [0, 1). OUT_OF_MEMORY. */
SIREN_API int  siren_adam_create(const siren_net *net, const siren_adam_config *cfg,
                                 siren_adam **out);
/* One update of net's parameters from its gradients. INVALID_ARGUMENT for
   NULL; STATE when net's architecture is not the optimiser's; NONFINITE
   when a gradient is NaN or infinite, the squared L2 norm of all of
   them exceeds FLT_MAX (a norm above about 1.8e19), or the update would
   leave a parameter or a moment NaN or infinite (a learning rate or weight
   decay so large that the step overflows, or parameters already NaN): then the parameters, the
   moments, the step count and the gradients are all left as they were, so
   a training loop can skip the batch or stop cleanly. */
SIREN_API int  siren_adam_step(siren_adam *opt, siren_net *net); /* one update */
SIREN_API void siren_adam_free(siren_adam *opt);
/* Steps taken so far (0 for NULL); restored by siren_checkpoint_load. */
SIREN_API uint64_t siren_adam_step_count(const siren_adam *opt);
/* Changes the learning rate for later steps (schedules); INVALID_ARGUMENT
   for NULL or a negative or non-finite lr. */
SIREN_API int  siren_adam_set_lr(siren_adam *opt, float lr);

/* ------------------------------------------------------------ model files */

/* Model files hold the architecture and the parameters (not the gradients),
   little-endian with a magic, a format version and a CRC-32: see
   docs/FORMAT.md.
   Saving to a path is atomic and private: the bytes go to a new file
   "NAME.tmp-PID-XXXXXX" beside it (created exclusively, locked while it
   is written), which gets the permission bits of the file it replaces
   (a new file: 0644 less the umask, at most), is flushed to the device
   (fsync) and renamed over path; then the directory is flushed. A crash
   or a kill at any instant leaves the old file or the new one, never a
   mix; after a power failure, the same on file systems that keep their
   promises about fsync. Temporary files that earlier saves of the same
   path left when their process died (no lock on them any more) are
   removed first. The two flushes cost about 3 to 24 ms a save on a
   virtual disk (docs/SECURITY.md).
   Loading checks every field before it allocates: a file that is not a
   libsiren model, truncated or corrupt gives FORMAT, one from a newer
   format version VERSION, an unreadable or unwritable path IO. Loading
   from a path reads the fixed header first (52 bytes; 84 for a
   checkpoint) and then exactly the length it implies, and one byte more:
   a device, a pipe or a file of another kind costs its first bytes, and a
   regular file of the wrong size is refused unread. From a pipe the
   buffer grows with the bytes that arrive (at most twice them, or 64 KiB).
   When a function of this section or of the checkpoints' returns
   SIREN_ERR_IO, errno holds the reason the system gave for the call that
   failed (open, read, write, fsync, close or rename: ENOENT, EACCES,
   EISDIR, ENOSPC, ...): the clean-up after the failure (closing, removing
   the temporary file, freeing, the allocator's free included) leaves it
   as it was, so strerror(errno) tells the user why. (Where no system call
   gave a reason the library sets one: EIO for a write that made no
   progress, ENAMETOOLONG for a path whose length overflows.)
   errno is unspecified after any other status. */
SIREN_API int siren_net_save(const siren_net *net, const char *path);
SIREN_API int siren_net_load(const char *path, siren_net **out);
/* buf NULL or too small: *len gets the size needed, returns TOO_LARGE */
SIREN_API int siren_net_save_buffer(const siren_net *net, void *buf, size_t cap,
                                    size_t *len);
SIREN_API int siren_net_load_buffer(const void *buf, size_t len, siren_net **out);

/* ------------------------------------------------------------ checkpoints */

/* A training checkpoint: the network's parameters, the optimiser's
   configuration, moments and step count, in one file (docs/FORMAT.md),
   written atomically like siren_net_save. Resuming from it is exact: the
   next steps give bit-identical parameters to an uninterrupted run.
   siren_checkpoint_load creates both objects (*net and *opt are set only
   on success; free them with their _free functions). Errors as for model
   files; STATE when opt does not belong to net's architecture. */
SIREN_API int siren_checkpoint_save(const siren_net *net, const siren_adam *opt,
                                    const char *path);
SIREN_API int siren_checkpoint_load(const char *path, siren_net **net, siren_adam **opt);
SIREN_API int siren_checkpoint_save_buffer(const siren_net *net, const siren_adam *opt,
                                           void *buf, size_t cap, size_t *len);
SIREN_API int siren_checkpoint_load_buffer(const void *buf, size_t len, siren_net **net,
                                           siren_adam **opt);

/* ------------------------------------------------------------- allocators */

/* Where an object's memory comes from. alloc(user, size) returns size bytes
 * aligned for any object type, as malloc does, or NULL when it cannot;
 * free(user, ptr) releases a block that alloc returned (never NULL).
 *
 * An allocator belongs to objects, not to the library: there is no global
 * hook. A network created or loaded with an allocator keeps a copy of the
 * struct, and everything made from it allocates through it too: the
 * workspaces and optimisers created from the network (each keeps its own
 * copy, so it may outlive the network), the buffers of siren_net_save and
 * siren_checkpoint_save, and a workspace's thread pool. Every *_free
 * function returns the memory to the allocator that gave it. `user` must
 * stay valid as long as any such object lives.
 *
 * The library calls the allocator only from the thread that called it,
 * never from its worker threads. It needs to be thread-safe only if
 * objects that share it are created or freed from several threads at once
 * (for example workspaces made from one net in several threads).
 *
 * When alloc returns NULL, the call fails with SIREN_ERR_OUT_OF_MEMORY,
 * frees whatever it had allocated and changes no object passed in; the
 * library never retries. Memory the C library allocates on its own (fopen,
 * thread stacks) does not go through the allocator.
 *
 * The *_with_allocator functions below are the functions without the
 * suffix, plus the allocator: NULL means malloc and free (what the
 * functions without the suffix use). INVALID_ARGUMENT when alloc is not
 * NULL but one of its two functions is. */
typedef struct siren_allocator {
    void *(*alloc)(void *user, size_t size);
    void (*free)(void *user, void *ptr);
    void *user;
} siren_allocator;

SIREN_API int siren_net_create_with_allocator(const siren_config *cfg,
                                              const siren_allocator *alloc,
                                              siren_net **out);
SIREN_API int siren_net_load_with_allocator(const char *path, const siren_allocator *alloc,
                                            siren_net **out);
SIREN_API int siren_net_load_buffer_with_allocator(const void *buf, size_t len,
                                                   const siren_allocator *alloc,
                                                   siren_net **out);
SIREN_API int siren_checkpoint_load_with_allocator(const char *path,
                                                   const siren_allocator *alloc,
                                                   siren_net **net, siren_adam **opt);
SIREN_API int siren_checkpoint_load_buffer_with_allocator(const void *buf, size_t len,
                                                          const siren_allocator *alloc,
                                                          siren_net **net,
                                                          siren_adam **opt);

#ifdef __cplusplus
}
#endif

#endif /* SIREN_H */
