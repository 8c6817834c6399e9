/*
 * internal.h - definitions shared by the library's source files; not
 * installed. One section per concern, in the order data flows:
 * network, jets, workspace, kernels (matrix product, sine), utilities.
 */
#ifndef SIREN_INTERNAL_H
#define SIREN_INTERNAL_H

#include "siren.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- network */

/* One linear layer y = omega * (W x + b), followed by a sine when is_sine. */
typedef struct siren_layer {
    size_t in, out;         /* W is [out][in] */
    size_t weight_offset;   /* into the flat parameter array */
    size_t bias_offset;
    float omega;            /* 1 for the linear last layer */
    bool is_sine;
} siren_layer;

struct siren_net {
    siren_config cfg;       /* normalised: size set, outermost_linear 0/1 */
    size_t layer_count;     /* hidden_layers + 2 */
    size_t param_count;
    size_t max_width;       /* max over layers of in and out */
    siren_layer *layers;
    float *params;
    float *grads;
    siren_allocator allocator; /* of everything made from the net */
    uint64_t stamp;         /* new at every library call that changes the
                               parameters (create, init, an Adam step),
                               unique among all nets of the process */
};

/* Checks a config and computes the layer table size; shared by create and
   the model-file reader. Returns a siren_status. */
int siren__config_check(const siren_config *cfg, size_t *param_count);
/* True when two (checked) configs describe the same architecture. */
bool siren__same_architecture(const siren_config *a, const siren_config *b);
/* Gives net a stamp no net has had before (src/net.c). */
void siren__net_restamp(siren_net *net);

/* What siren_backward compares with the forward pass to see whether the
   parameters were written through siren_net_params (or a caller's
   instance parameters changed) in between (src/param_fingerprint.c): a
   64-bit hash of SIREN__FINGERPRINT_SAMPLES parameters of every layer of
   every instance, spread evenly over the layer's weights and biases (all
   of them in a smaller layer). A change of many parameters, or of any
   whole layer, changes it; a change that misses the samples does not. */
#define SIREN__FINGERPRINT_SAMPLES 16
uint64_t siren__params_fingerprint(const siren_net *net, const float *params, size_t instances);

/* ------------------------------------------------------------------- jets */

/* Which derivative channels a pass carries. With D = in_features, the
   channels of a layer's jet are stored channel after channel:
     channel 0            the value
     channels 1..D        d/dx_k                   (GRADIENT and above)
     channel D+1          weighted Laplacian       (JET_LAPLACIAN)
     channels D+1..2D     d2/dx_k^2                (JET_HESSIAN)
   JET_HESSIAN also yields the Laplacian, as sum_k c_k d2/dx_k^2. */
typedef enum siren_jet_kind {
    JET_VALUE = 0,
    JET_GRADIENT = 1,
    JET_LAPLACIAN = 2,
    JET_HESSIAN = 3
} siren_jet_kind;

size_t siren__jet_channels(siren_jet_kind kind, size_t dims);
/* The smallest kind that serves the quantities in `what`. */
siren_jet_kind siren__jet_kind_for(unsigned what);

/* The quantities (SIREN_VALUE | ...) whose members are non-NULL. */
unsigned siren__jet_quantities(const siren_jet *jet);

/* Shape of a layer's jets in the workspace: row r, channel c, point p is at
   [r * row_stride + c * ld + p], for p < n. */
typedef struct siren_jet_shape {
    siren_jet_kind kind;
    size_t dims;            /* D, input coordinates */
    size_t rows;            /* features of the layer */
    size_t n;               /* points */
    size_t ld;              /* stride between channels (>= n) */
    size_t row_stride;      /* stride between rows (>= channels * ld) */
    const float *weights;   /* Laplacian weights c_k, [dims] */
} siren_jet_shape;

/* The members of jet moved on by `first` points, or to instance i of
   instances of n points. */
siren_jet siren__jet_points(const siren_jet *jet, const siren_config *cfg, size_t first);
siren_jet siren__jet_instance(const siren_jet *jet, const siren_config *cfg, size_t n, size_t i);

/* Writes the requested members of *out from the output jets y. */
void siren__jet_scatter(const float *y, const siren_jet_shape *shape, const siren_jet *out);

/* ---------------------------------------------------------------- workspace */

/* Rows of a layer, and points, are shared between threads in multiples of
   these (points: the sine kernels' block). */
#define SIREN__ROW_GRAIN 8
#define SIREN__POINT_GRAIN 64

struct siren_pool;

struct siren_workspace {
    struct siren_pool *pool;    /* NULL: single-threaded */
    siren_allocator allocator;  /* copied from the net */
    size_t threads;
    siren_config cfg;           /* architecture it was made for */
    size_t max_points;
    unsigned what;              /* quantities it may compute */
    bool has_tape;
    siren_jet_kind max_kind;
    float *laplacian_weights;   /* [in_features], default ones */
    float *gemm_pack;           /* [pack_threads][siren__gemm_pack_floats()] */
    size_t pack_threads;        /* >= threads */
    float *slab_partials;       /* weight-gradient partials, with a tape:
                                   [SIREN__WEIGHT_SLABS][max_width][max_width] */

    /* Buffers of one segment's jets (siren__segment_points) in the widest
       layer, with a tape, or when evaluation takes no tiles (eval_region
       0): ping and pong. */
    float *ping, *pong;         /* forward, backward; eval without tiles */
    /* siren_eval's tiles (src/jet_eval.c): one region of eval_region
       floats per thread in each, for region_threads threads (grown by
       siren_workspace_set_threads). */
    float *tile_ping, *tile_pong;
    size_t eval_region;
    size_t region_threads;
    float *activation;          /* backward: a layer's input jets S, recomputed
                                   (reverse-mode gradient: e_l) */
    float *first_jets;          /* backward: layer 0's jets, recomputed */
    float *trig_scratch;        /* backward: a layer's sin z0 and cos z0,
                                   recomputed, [row][2][points] */
    float **tape;               /* [layer_count]: siren__tape_jets,
                                   siren__tape_slot, siren__trig_tape */
    size_t trig_slot;           /* the slot of the tape's sin z0 */
    bool tape_keeps_trig;       /* derivative jets too keep layer 0's jets
                                   and sin z0, cos z0 (siren__tapes_trig) */
    float *tape_x;              /* the inputs, segment by segment [in][points] */
    size_t layer_count;

    /* What the last siren_forward recorded, for siren_backward. */
    const siren_net *taped_net; /* NULL: no forward yet (or it was
                                   discarded: new Laplacian weights) */
    const float *taped_params;  /* [taped_instances][param_count] */
    bool taped_own_params;      /* siren_forward: taped_params is the
                                   net's, and taped_stamp its stamp */
    uint64_t taped_stamp;
    uint64_t taped_fingerprint; /* of taped_params */
    size_t taped_fingerprinted; /* instances of taped_params in it */
    size_t taped_instances;
    size_t taped_points;        /* per instance */
    size_t taped_segment;       /* points per segment */
    siren_jet_kind taped_kind;
    unsigned taped_quantities;  /* outputs the forward wrote */
    bool taped_reverse;         /* the gradient came by reverse mode
                                   (src/gradient_reverse.c) */
};

/* The most slabs a weight gradient's depth (points x channels) is cut into
   (src/weight_gradient.c): each has a max_width x max_width partial in the
   workspace. */
#define SIREN__WEIGHT_SLABS 8

/* W' += alpha A B^T (A: rows x depth, B: cols x depth, row strides lda,
   ldb; W': rows x cols, row stride ldw), with the depth split into slabs
   between the workspace's threads: the same sums for any thread count.
   siren__weight_gradient_slabs runs a parallel loop (not from inside one)
   that computes each slab's product; siren__weight_gradient_add then adds
   them to rows [begin, end) of W', from the caller's loop over rows. */
typedef struct siren_weight_gradient {
    const siren_workspace *ws;
    size_t rows, cols, depth;
    float alpha;
    const float *a, *b;
    size_t lda, ldb;
    float *w;
    size_t ldw;
} siren_weight_gradient;

void siren__weight_gradient_slabs(const siren_weight_gradient *g);
void siren__weight_gradient_add(const siren_weight_gradient *g, size_t begin, size_t end);

/* The packing scratch of part `part` of the workspace's parallel loops
   (thread_pool.h), for siren__gemm. */
float *siren__workspace_pack(const siren_workspace *ws, size_t part);

/* Segments. siren_forward takes each instance's points in segments of
   at most siren__segment_points(net, kind) points (the last may be
   shorter), one after the other, each through every layer, and
   siren_backward walks back through the same segments; the workspace's
   layer buffers hold one segment, so that only the tape grows with a
   call's points. A segment is named by `first`, the index of its first
   point among all points of the call (instance i, offset o: i n + o).
   The segment's size depends on the jets' floats per point only (about
   64 MiB of jets), so results never depend on the thread count. */
size_t siren__segment_points(const siren_net *net, siren_jet_kind kind);
/* Tests: segments of about `floats` floats (0: the default); at least 64
   points. Set it before creating a workspace and keep it until the
   workspace is freed: its buffers are sized for the segments of the
   setting in force at creation, every call reads the current one. */
void siren__set_segment_floats(size_t floats);

typedef struct siren_segment {
    size_t instance, offset;    /* instance i, its points offset .. offset + n - 1 */
    size_t n, first;            /* points, and first = i * (points per instance) + offset */
} siren_segment;
/* The segments of `instances` instances of n points, `size` points per
   segment: start from a zeroed segment; each call moves *seg to the next
   and returns false after the last. */
bool siren__next_segment(siren_segment *seg, size_t instances, size_t n, size_t size);

/* The tape, per layer l of `rows` features: slots of rows * max_points
   floats; a segment of m points at `first` has its part of every slot at
   first * rows (times the channels of a jet). */
/* Layer l's pre-activation jets, `channels` channels, [rows][channels][m]
   (slots 0 .. channels - 1). Layer 0's are not taped for derivative jets:
   siren_backward recomputes them from the points (siren__tapes_trig). */
float *siren__tape_jets(const siren_workspace *ws, size_t l, size_t rows, size_t channels,
                        size_t first);
/* Slot `slot`, [rows][m]: a value-only pass's z0 is slot 0; the
   reverse-mode gradient keeps g and A in slots 1 and 2
   (src/gradient_reverse.c). */
float *siren__tape_slot(const siren_workspace *ws, size_t l, size_t slot, size_t rows,
                        size_t first);
/* Value-only passes (and the reverse-mode gradient on them): layer l's
   sin z0 and cos z0, [rows][2][m], in slots trig_slot and trig_slot + 1. */
float *siren__trig_tape(const siren_workspace *ws, size_t l, size_t rows, size_t first);
/* Whether a pass of this kind keeps layer 0's jets and every sine layer's
   sin z0 and cos z0 on the tape, or neither, so that siren_backward
   recomputes them: values only always keep them; derivative jets keep
   them in a workspace whose max_points fit one segment (the tape is
   small, and the pass is 2 to 4% faster), and recompute them in larger
   ones (a third less memory: workspace.c). The same bits either way. */
bool siren__tapes_trig(const siren_workspace *ws, siren_jet_kind kind);

/* -------------------------------------------------------------- optimiser */

struct siren_adam {
    siren_adam_config cfg;
    siren_config arch;          /* the networks it may step */
    size_t param_count;
    uint64_t step;              /* steps taken */
    float *m, *v;               /* first and second moments, [param_count] */
    siren_allocator allocator;  /* copied from the net */
};

/* ----------------------------------------------------------------- memory */

/* Every allocation of the library goes through these (src/alloc.c), with
   the allocator of the object it is for. An allocator whose members are
   NULL means malloc and free. */
void *siren__alloc(const siren_allocator *alloc, size_t size);
/* count * size zeroed bytes; NULL when the product overflows. */
void *siren__calloc(const siren_allocator *alloc, size_t count, size_t size);
/* Accepts NULL. */
void siren__free(const siren_allocator *alloc, void *ptr);
/* Copies a caller's allocator into *out (NULL: malloc and free); false
   when exactly one of its two functions is NULL. */
bool siren__allocator_copy(const siren_allocator *alloc, siren_allocator *out);

/* -------------------------------------------------------- kernel interfaces */

/* C = alpha * op(A) op(B) + beta * C, row-major, op(X) = X or X^T.
   op(A) is m x k, op(B) is k x n, C is m x n; ld* are row strides.
   beta == 0 means C is not read (it may hold garbage or NaN).
   pack: siren__gemm_pack_floats() floats (any alignment) for the packed
   operands, used by no concurrent call: each thread of a workspace has
   its own (siren__workspace_pack), so no thread needs a large stack. */
void siren__gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
                 float alpha, const float *a, size_t lda,
                 const float *b, size_t ldb,
                 float beta, float *c, size_t ldc, float *pack);
size_t siren__gemm_pack_floats(void);

/* The product of a layer for a few points (src/small_product.c):
   z[c * ldz + r] = alpha * dot(W[r], S[c]) for r < rows, c < cols, the
   dot products of depth `depth`, W's rows ldw apart and S's columns lds
   apart, read in place. Its order of sums (small_product.c) is not the
   matrix product's. */
void siren__small_product(size_t rows, size_t cols, size_t depth, float alpha, const float *w,
                          size_t ldw, const float *s, size_t lds, float *z, size_t ldz);
/* g[c * ldg + k] = alpha * sum_{i < rows} W[i][k] e[c * lde + i] for
   k < width, c < cols: the transposed product, for the gradient by
   reverse mode; each sum over i in order (src/small_product.c). */
void siren__small_product_t(size_t rows, size_t width, size_t cols, float alpha, const float *w,
                            size_t ldw, const float *e, size_t lde, float *g, size_t ldg);

/* The elementwise part of a sine layer, s = sin z on jets (DESIGN.md):
     s0 = sin z0, sk = cos z0 zk, skk = cos z0 zkk - sin z0 zk^2,
     sL = cos z0 zL - sin z0 sum_k c_k zk^2.
   z and s have the given shape; s may equal z (in place). With a bias
   (not NULL), z0 of row r first gets omega * bias[r] added, in place, in
   the same pass (the same bits as a pass of its own before). The
   trigonometric tape of a layer holds sin z0 and cos z0 as two channels,
   [row][2][ld]: with trig_in (not NULL) they are read from it instead of
   computed, with trig_out they are written to it. */
void siren__sine_jet(const siren_jet_shape *shape, float omega, const float *bias, float *z,
                     float *s, const float *trig_in, float *trig_out);

/* Points per block of the elementwise passes. For loops over a block: a
   function inlined where its count is the constant block size has a
   constant trip count, which GCC vectorises at -O2 (a variable count it
   does not). */
#define SIREN__SINE_JET_BLOCK 64
#if defined(__GNUC__)
#define SIREN__ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SIREN__ALWAYS_INLINE inline
#endif

/* siren__sine_jet for m <= SIREN__SINE_JET_BLOCK points of one row whose
   pre-activation channels are z_ld apart (a caller's small block), into
   s with channel stride shape->ld; no bias, no tapes. The same bits as
   siren__sine_jet on the same values. */
void siren__sine_jet_points(const siren_jet_shape *shape, size_t m, const float *z,
                            size_t z_ld, float *s);

/* Value-only jets on the tape: z0 of row r gets omega * bias[r] added
   (bias NULL: nothing), then sin z0 and cos z0 go to the trigonometric
   tape only, whose sin rows are the layer's output. The same bits as the
   bias added after the layer's product and siren__sine_jet, in one pass. */
void siren__sine_value_to_trig(const siren_jet_shape *shape, float omega, const float *bias,
                               float *z, float *trig_out);

/* The reverse of siren__sine_jet: overwrites the adjoints of s in adj
   with the adjoints of z (DESIGN.md, "Training: reverse mode"). */
void siren__sine_jet_backward(const siren_jet_shape *shape, const float *z, float *adj,
                              const float *trig_in);

/* sin and cos of n floats; the scalar kernel under siren__sine_jet. */
void siren__sincos(size_t n, const float *x, float *sin_x, float *cos_x);

/* ----------------------------------------------- layers on jets */

/* The jets of `rows` features at n points, [row][channel][n]. */
siren_jet_shape siren__layer_shape(const siren_workspace *ws, siren_jet_kind kind, size_t rows,
                                   size_t n);

/* Layer 0's pre-activation jets from the points x ([n][in]) into z, for
   points [begin, end): no matrix product. */
void siren__first_layer_jets(const siren_net *net, const float *params, const float *x,
                             const siren_jet_shape *shape, float *z, size_t begin, size_t end);

/* The same from points stored coordinate by coordinate: coordinate k of
   point p at x[k * ldx + p] (the tape's inputs). The same bits. */
void siren__first_layer_jets_columns(const siren_net *net, const float *params, const float *x,
                                     size_t ldx, const siren_jet_shape *shape, float *z,
                                     size_t begin, size_t end);

/* Whether layer 0 can run fused with its sine, and that fused pass: the
   sine jets of layer 0 straight into s, the same bits as
   siren__first_layer_jets then siren__sine_jet, without writing the
   constant channels out and reading them back (for evaluation: a
   backward pass needs layer 0's jets on the tape). */
bool siren__first_sine_layer_fuses(const siren_net *net, size_t dims);
void siren__first_sine_layer_jets(const siren_net *net, const float *params, const float *x,
                                  const siren_jet_shape *shape, float *s, size_t begin,
                                  size_t end);

/* Z = w (W S + b) for points [begin, end) of layer l > 0, S with row
   stride s_stride and the channel stride of shape: a product per channel
   over those points. The bias enters the value channel only, unless
   add_bias is false (the caller adds it later, siren__sine_jet). pack:
   the thread's product scratch. */
void siren__linear_layer_jets(const siren_net *net, const float *params, size_t l,
                              const float *s, size_t s_stride, const siren_jet_shape *shape,
                              float *z, size_t begin, size_t end, bool add_bias, float *pack);

/* The same for a tile, S and Z of the given shape with every channel of a
   row side by side (row_stride = channels * ld, ld = n): one product over
   all channels (with a BLAS, a product per channel: a BLAS may round a
   product of another width differently). The same bits as
   siren__linear_layer_jets over the same points. */
void siren__linear_layer_tile(const siren_net *net, const float *params, size_t l,
                              const float *s, const siren_jet_shape *shape, float *z,
                              bool add_bias, float *pack);

/* The floats of each of the two tile regions one thread of siren_eval
   needs at most, for a workspace of jets of per_point floats per point
   (channels x widest layer) on up to max_points points: about 1 MiB, at
   most max_points points' worth, and room for the tiles of the gradient
   by reverse mode when it applies (siren__eval_reverse_floats). 0 when
   evaluation does not take tiles (a BLAS build) and uses ping and pong. */
size_t siren__eval_region_floats(const siren_net *net, unsigned what, size_t per_point,
                                 size_t max_points);

/* siren_eval of a one-output network's value and gradient by reverse
   mode (src/eval_reverse.c), when siren__reverse_gradient_applies: the m
   points x of one tile, tape and work each holding
   siren__eval_reverse_floats(net) floats per point; the outputs (value
   and gradient members) at out. The same bits as siren_forward. */
size_t siren__eval_reverse_floats(const siren_net *net);
void siren__eval_tile_reverse(const siren_net *net, const float *params,
                              const siren_workspace *ws, const float *x, size_t m, float *tape,
                              float *work, const siren_jet *out, float *pack);

/* The checks shared by evaluation and the taped forward pass; *kind gets
   the jets to carry. */
int siren__check_eval_call(const siren_net *net, const siren_workspace *ws, size_t instances,
                           const float *params, size_t n, const float *x, const siren_jet *out,
                           siren_jet_kind *kind);

/* ------------------------------------------------- small batches */

/* Whether a call of n points (per instance) of this kind takes the
   small-batch path (src/small_batch.c): at most
   siren__small_batch_points(), whose jets fit 65,536 floats. It depends
   on n, the kind and the architecture only, so siren_eval and
   siren_forward take it for the same calls, on any thread count. */
bool siren__small_batch_applies(const siren_net *net, siren_jet_kind kind, size_t n);
size_t siren__small_batch_points(void);
/* Tests: false sends every call to the large-batch path. */
void siren__small_batch_allow(bool allow);
/* Whether that path takes a one-output network's gradient by reverse
   mode, as the large-batch path does (two passes over the weights), or
   by jets: for a single point, one pass over the weights with 1 + D
   columns is the faster (12 against 16 us on the reference network). */
bool siren__small_batch_reverse(const siren_net *net, siren_jet_kind kind, size_t n);
/* siren_eval of one instance's n points x on that path, the jets in a
   and b (each n points' jets in the widest layer: n x channels x
   max_width floats). */
void siren__small_batch_eval(const siren_net *net, const float *params,
                             const siren_workspace *ws, siren_jet_kind kind, size_t n,
                             const float *x, const siren_jet *out, float *a, float *b);
/* siren_forward of one instance's n points on that path: its outputs,
   and its segment of the tape (at `first`) as the large-batch pass
   leaves it. */
void siren__small_batch_forward(const siren_net *net, const float *params, siren_workspace *ws,
                                siren_jet_kind kind, size_t n, const float *x,
                                const siren_jet *out, size_t first);

/* --------------------------------------------- gradient by reverse mode */

/* For a network with one output and two or more inputs, siren_forward
   computes the value and gradient (and nothing higher) by a forward and a
   reverse sweep, and siren_backward the parameter gradient of a loss on
   them by a reverse pass over both sweeps: 6 matrix products per hidden
   layer and training step instead of 3 (1 + D) with jets
   (src/gradient_reverse.c). _fits: the network's shape allows it;
   _applies: a call of this kind takes it (unless the test switch below
   is off). siren_eval takes it the same way (src/eval_reverse.c). */
bool siren__reverse_gradient_fits(const siren_net *net);
bool siren__reverse_gradient_applies(const siren_net *net, siren_jet_kind kind);
/* Tests: false makes siren_forward and siren_eval use jets for every kind. */
void siren__reverse_gradient_allow(bool allow);
/* The gradient sweep of the segment of n points at `first` (its
   instance's params), after the value-only forward pass put it on ws's
   tape: dy/dx into gradient ([n][in], NULL: not wanted), and what the
   reverse pass needs on the tape. */
void siren__reverse_gradient_sweep(const siren_net *net, const float *params,
                                   siren_workspace *ws, size_t first, size_t n, float *gradient);
/* The first half of the reverse pass of that segment, over the gradient
   sweep, from G' = gradient_adjoint ([n][in], the segment's): adds its
   terms of the weight gradients into grads and leaves A_l, its part of
   each a_l', on the tape (slot SIREN__TAPE_SLOT_A). The jets' value-only
   reverse pass (src/jet_backward.c) then adds A_l in as it walks back. */
void siren__reverse_gradient_backward(const siren_net *net, siren_workspace *ws,
                                      const float *gradient_adjoint, const float *params,
                                      float *grads, size_t first, size_t n);
#define SIREN__TAPE_SLOT_G 1
#define SIREN__TAPE_SLOT_A 2

/* Sums over the n points of a row in a fixed order (src/point_sums.c). */
float siren__sum_points(const float *a, size_t n);
float siren__dot_points(const float *a, const float *b, size_t n);

/* ---------------------------------------------------------------- utilities */

/* a * b into *out, false on size_t overflow. */
static inline bool siren__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

static inline bool siren__add_size(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return false;
    *out = a + b;
    return true;
}

/* The library's random generator: xoshiro256** seeded by SplitMix64. */
typedef struct siren_rng {
    uint64_t s[4];
} siren_rng;

void siren__rng_seed(siren_rng *rng, uint64_t seed);
uint64_t siren__rng_next(siren_rng *rng);
/* Uniform in [lo, hi), computed in double from 53 random bits and rounded
   once to float, so it is the same on every IEEE-754 platform. */
float siren__rng_uniform(siren_rng *rng, double lo, double hi);

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) of n bytes,
   continuing from crc (start with 0). */
uint32_t siren__crc32(uint32_t crc, const void *data, size_t n);

#endif /* SIREN_INTERNAL_H */
