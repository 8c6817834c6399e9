/* model.h - the model of examples/hypernet: a set encoder and a
   hypernetwork that together map a few known pixels of a face to all the
   parameters of a SIREN (Sitzmann et al. 2020, section 4.4), with their
   forward and backward passes. The SIREN itself is evaluated and
   differentiated by libsiren (siren_forward_instances,
   siren_backward_instances); everything else is plain C loops.

   The model, for one face with context set {(x_i, y_i, v_i)}, i < k:

       e_i   = a(W_E ... a(W_1 (x_i, y_i, v_i) + b_1) ... + b_E)   set encoder
       z     = (1/k) sum_i e_i                                          latent code
       g_t   = relu(A_t z + a_t)                     one hidden layer per SIREN tensor t
       theta_t = C_t g_t + c_t                       that tensor (a W or a b of the SIREN)
       f(p)  = SIREN(p; theta)                       the face at pixel p

   and the training loss over a batch of F faces, with P SIREN parameters,
   L latent features and the image term over every pixel of every face:

       loss = mean (f(p) - v(p))^2 + lambda_z mean(z^2) + lambda_theta mean(theta^2)

   (the reference's image_hypernetwork_loss: lambda_z = 0.1, lambda_theta = 100).
   At test time the same loss, with the image term over a face's known
   pixels only, can be minimised in that face's code z alone, through the
   frozen hypernetwork (hn_code_loss_and_grad): the face is still one the
   hypernetwork generates, from a better code than the encoder's.

   The encoder's activation a is a ReLU, or sin(30 x) as in the reference
   code's default set encoder (modules.SetEncoder with nonlinearity 'sine').

   Layout. All parameters of the encoder and the hypernetwork are one flat
   float vector (so that one Adam and one gradient clip handle them), each
   dense layer stored as dense.h describes. Encoder layers 0..E-1, then
   the hypernetwork's hidden layers of all tensors side by side as one
   layer L -> T*H, then for each tensor t its output layer C_t[H][n_t],
   c_t[n_t], with n_t the size of tensor t.

   Where it is defined (all in examples/hypernet/):
     model.c          the layout, the initialisation, the scratch memory
     forward.c        encoder, hypernetwork and prediction
     backward.c       the training loss and its gradient
     code_gradient.c  the loss and its gradient in the codes alone
     model_file.c     saving and loading the parameters
   with the dense layers in dense.c and the stages these files share in
   passes.h. tests/examples/hypernet/test_hypernet_grads.c checks every gradient against
   finite differences. */
#ifndef HYPERNET_MODEL_H
#define HYPERNET_MODEL_H

#include "dense.h"
#include "siren.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HN_MAX_ENCODER_LAYERS 8
#define HN_MAX_TENSORS 64
#define HN_CONTEXT_FEATURES 3   /* (row coordinate, column coordinate, value) */

typedef struct hn_config {
    size_t encoder_width;    /* hidden features of the set encoder */
    size_t encoder_layers;   /* linear layers of the encoder, each followed by a */
    bool encoder_sine;       /* sin(30 x) (true) or ReLU (false) */
    size_t latent;           /* features of z */
    size_t hyper_width;      /* hidden features of each tensor's hypernetwork */
    float output_scale;      /* the output layers' initial weights are scaled by this */
    float latent_weight;     /* lambda_z */
    float param_weight;      /* lambda_theta */
    siren_config siren;      /* the generated SIREN (in 2, out 1) */
} hn_config;

/* The reference's choices where this example keeps them (the widths are
   smaller: see docs/HYPERNET.md). */
void hn_config_default(hn_config *cfg);

/* One parameter tensor of the generated SIREN. */
typedef struct hn_tensor {
    size_t offset, size;     /* in the SIREN's flat parameter vector */
    size_t fan_in;           /* of the SIREN layer it belongs to */
    bool is_weight;
    hn_dense output;         /* the hypernetwork layer that makes it */
} hn_tensor;

typedef struct hn_model {
    hn_config cfg;
    siren_net *siren;        /* the generated architecture; its own parameters unused */
    size_t siren_params;     /* P */
    size_t tensor_count;     /* T */
    hn_tensor tensors[HN_MAX_TENSORS];
    hn_dense encoder[HN_MAX_ENCODER_LAYERS];
    hn_dense hidden;         /* latent -> T * hyper_width */
    size_t count;            /* parameters of encoder and hypernetwork */
    float *params, *grads;
} hn_model;

/* Lays out the model and allocates it (parameters zero). Returns a
   siren_status (INVALID_ARGUMENT for sizes out of range). */
int hn_model_create(const hn_config *cfg, hn_model *m);
void hn_model_free(hn_model *m);
/* The reference's initialisation (meta_modules.py): ReLU layers Kaiming
   normal (fan in) with PyTorch's default uniform bias; the output layer of
   each tensor Kaiming normal times output_scale, its bias U(-1/n, 1/n)
   with n the fan in of the SIREN layer for a weight tensor, of the
   hypernetwork layer for a bias tensor, so that the first SIRENs are
   close to a sine-initialised one. */
void hn_model_init(hn_model *m, uint64_t seed);

/* A batch of faces: each face's context set, and the pixels the loss (or
   the prediction) covers, the same `points` coordinates for every face. */
typedef struct hn_batch {
    size_t faces;
    const size_t *context_start; /* [faces + 1]: face f owns context rows [start[f], start[f+1]) */
    const float *context;        /* [rows][3]: row coordinate, column coordinate, value */
    size_t points;
    const float *coords;         /* [points][2] */
    const float *targets;        /* [faces][points]; NULL when only predicting */
} hn_batch;

/* Scratch memory for batches of up to max_faces faces, max_rows context
   rows in all and `points` pixels per face. The SIREN pass runs
   chunk_faces faces per library call (memory grows with chunk_faces *
   points). */
typedef struct hn_work {
    size_t max_faces, max_rows, points, chunk_faces;
    float *activations[HN_MAX_ENCODER_LAYERS]; /* [rows][out] after the activation */
    float *slopes[HN_MAX_ENCODER_LAYERS];      /* sine encoder: 30 cos(30 pre) */
    float *row_grad[2];      /* [rows][max width]: encoder adjoints */
    float *z, *dz;           /* [faces][latent] */
    float *hidden, *dhidden; /* [faces][T * H] after the ReLU, and its adjoint */
    float *theta, *dtheta;   /* [faces][P] */
    float *transposed;       /* every weight of the model, transposed, for backward */
    float *grid;             /* [chunk_faces * points][2] */
    float *values, *adjoint; /* [chunk_faces * points] */
    siren_workspace *ws;
} hn_work;

/* The scratch memory above, with a libsiren workspace of `threads`
   threads (0: the library's default). Returns a siren_status. */
int hn_work_create(const hn_model *m, size_t max_faces, size_t max_rows, size_t points,
                   size_t chunk_faces, size_t threads, hn_work *w);
void hn_work_free(hn_work *w);

/* The parts of the loss of the last hn_loss_and_grad. */
typedef struct hn_loss {
    double image;            /* mean squared error over faces and points */
    double latent;           /* mean(z^2) */
    double params;           /* mean(theta^2) */
    double total;            /* image + lambda_z latent + lambda_theta params */
} hn_loss;

/* Forward and backward over the batch (targets required): sets m->grads
   (overwritten, not accumulated) and *loss. Returns a siren_status. */
int hn_loss_and_grad(hn_model *m, hn_work *w, const hn_batch *b, hn_loss *loss);

/* The SIREN parameters generated for each face of the batch (in
   w->theta, [faces][P]) and the predicted values at the batch's points,
   out[faces][points]. Returns a siren_status. */
int hn_predict(const hn_model *m, hn_work *w, const hn_batch *b, float *out);

/* Test-time code refinement (the auto-decoder view of the model, as in
   DeepSDF): the hypernetwork frozen, the loss of each face f as a
   function of its code z_f alone, over that face's own k points:

       loss_f = mean_i (f(p_fi) - v_fi)^2 + lambda_z mean(z_f^2)
                + lambda_theta mean(theta_f^2)

   (the training loss with the image term over the given points). z is
   [faces][latent], points [faces][k][2], targets [faces][k]. Writes
   dz[faces][latent] = d loss_f / d z_f and returns sum_f loss_f in *loss;
   leaves each face's SIREN in w->theta. The model is not changed. Needs
   faces <= w->max_faces and k <= w->points. Returns a siren_status. */
int hn_code_loss_and_grad(const hn_model *m, hn_work *w, size_t faces, const float *z,
                          size_t k, const float *points, const float *targets, double *loss,
                          float *dz);

/* The codes of a batch as the encoder reads them from its contexts:
   z[faces][latent]. Returns a siren_status. */
int hn_encode_batch(const hn_model *m, hn_work *w, const hn_batch *b, float *z);

/* Each face's SIREN from its code z[faces][latent] (into w->theta) and its
   values at the `points` coordinates shared by every face,
   out[faces][points]. Returns a siren_status. */
int hn_predict_from_codes(const hn_model *m, hn_work *w, size_t faces, const float *z,
                          size_t points, const float *coords, float *out);

/* The model's parameters to a file and back (the architecture is not
   stored: load into a model created with the same hn_config). The file:
   "HNMODEL1", the parameter count (uint64), the parameters (float), all
   in the machine's byte order, then a 32-bit FNV-1a of the parameter
   bytes. Return 0, or -1 with a message in err. */
int hn_model_save(const hn_model *m, const char *path, char *err, size_t errlen);
int hn_model_load(hn_model *m, const char *path, char *err, size_t errlen);

#endif
