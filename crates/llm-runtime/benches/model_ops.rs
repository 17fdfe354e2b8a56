//! Micro-timings of the burn operations a Gemma-3-270M prefill is made of, on the CPU backend,
//! and of the one-pass versions the CPU path uses instead (`model::host_ops`):
//! which of them dominate decides where optimisation pays.
//! `cargo bench -p llm-runtime --bench model_ops`

use std::time::Instant;

use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Bool, Device, Distribution, Tensor, TensorData};
use llm_runtime::Activation;
use llm_runtime::model::host_ops;

fn time<T>(label: &str, flops: f64, reps: usize, mut f: impl FnMut() -> T) {
    let _ = f();
    let t = Instant::now();
    for _ in 0..reps {
        std::hint::black_box(f());
    }
    let dt = t.elapsed().as_secs_f64() / reps as f64;
    if flops > 0.0 {
        println!(
            "{label:<48} {:>9.2} ms  {:>7.1} GFLOP/s",
            dt * 1e3,
            flops / dt / 1e9
        );
    } else {
        println!("{label:<48} {:>9.2} ms", dt * 1e3);
    }
}

fn main() {
    let dev = Device::flex();
    let n = 2048;
    let x = Tensor::<2>::random([n, 640], Distribution::Default, &dev);
    let wg = Tensor::<2>::random([640, 2048], Distribution::Default, &dev);
    let wd = Tensor::<2>::random([2048, 640], Distribution::Default, &dev);
    let h = Tensor::<2>::random([n, 2048], Distribution::Default, &dev);
    let wq = Tensor::<2>::random([640, 1024], Distribution::Default, &dev);
    time(
        "matmul [2048,640]x[640,2048]",
        2.0 * n as f64 * 640.0 * 2048.0,
        5,
        || x.clone().matmul(wg.clone()).into_data(),
    );
    time(
        "matmul [2048,2048]x[2048,640]",
        2.0 * n as f64 * 640.0 * 2048.0,
        5,
        || h.clone().matmul(wd.clone()).into_data(),
    );
    time(
        "matmul [2048,640]x[640,1024]",
        2.0 * n as f64 * 640.0 * 1024.0,
        5,
        || x.clone().matmul(wq.clone()).into_data(),
    );
    let wt = Tensor::<2>::random([2048, 640], Distribution::Default, &dev);
    time(
        "matmul [2048,640]x[2048,640]^T (view)",
        2.0 * n as f64 * 640.0 * 2048.0,
        5,
        || x.clone().matmul(wt.clone().transpose()).into_data(),
    );
    let wd_hf = Tensor::<2>::random([640, 2048], Distribution::Default, &dev);
    for round in 0..2 {
        let fl = 2.0 * n as f64 * 640.0 * 2048.0;
        time(&format!("r{round} up: x @ Wt contiguous"), fl, 3, || {
            x.clone().matmul(wg.clone()).into_data()
        });
        time(&format!("r{round} up: x @ W^T view"), fl, 3, || {
            x.clone().matmul(wt.clone().transpose()).into_data()
        });
        time(&format!("r{round} up: (W @ x^T)^T"), fl, 3, || {
            wt.clone()
                .matmul(x.clone().transpose())
                .transpose()
                .into_data()
        });
        time(&format!("r{round} down: h @ Wt contiguous"), fl, 3, || {
            h.clone().matmul(wd.clone()).into_data()
        });
        time(&format!("r{round} down: h @ W^T view"), fl, 3, || {
            h.clone().matmul(wd_hf.clone().transpose()).into_data()
        });
        time(&format!("r{round} down: (W @ h^T)^T"), fl, 3, || {
            wd_hf
                .clone()
                .matmul(h.clone().transpose())
                .transpose()
                .into_data()
        });
    }
    let emb = Tensor::<2>::random([262_144, 640], Distribution::Default, &dev);
    let emb_t = emb.clone().transpose().reshape([640, 262_144]);
    for rows in [1usize, 16] {
        let xs = Tensor::<2>::random([rows, 640], Distribution::Default, &dev);
        let fl = 2.0 * rows as f64 * 640.0 * 262_144.0;
        time(&format!("lm_head x[{rows}] @ emb^T (view)"), fl, 3, || {
            xs.clone().matmul(emb.clone().transpose()).into_data()
        });
        time(&format!("lm_head (emb @ x^T)^T [{rows}]"), fl, 3, || {
            emb.clone()
                .matmul(xs.clone().transpose())
                .transpose()
                .into_data()
        });
        time(
            &format!("lm_head x[{rows}] @ contiguous [640,262144]"),
            fl,
            3,
            || xs.clone().matmul(emb_t.clone()).into_data(),
        );
        time(
            &format!("decode x[{rows}] @ [640,2048]"),
            2.0 * rows as f64 * 640.0 * 2048.0,
            20,
            || xs.clone().matmul(wg.clone()).into_data(),
        );
        time(
            &format!("decode (w^T @ x^T)^T [{rows}] @ [640,2048]"),
            2.0 * rows as f64 * 640.0 * 2048.0,
            20,
            || {
                wt.clone()
                    .matmul(xs.clone().transpose())
                    .transpose()
                    .into_data()
            },
        );
    }
    let ids = Tensor::<1, burn::tensor::Int>::from_data(
        TensorData::new(
            (0..4096i64).map(|i| i * 61 % 262_144).collect::<Vec<_>>(),
            [4096],
        ),
        &dev,
    );
    time(
        "embedding select rows [4096] of [262144,640]",
        0.0,
        5,
        || emb.clone().select(0, ids.clone()).into_data(),
    );
    time(
        "embedding select cols [4096] of [640,262144]",
        0.0,
        5,
        || emb_t.clone().select(1, ids.clone()).transpose().into_data(),
    );
    let w1 = Tensor::<2>::random([1, n], Distribution::Default, &dev);
    time(
        "matmul [1,2048]x[2048,2048] (capture sum)",
        2.0 * n as f64 * 2048.0,
        10,
        || w1.clone().matmul(h.clone()).into_data(),
    );
    time("sum_dim(0) [2048,2048]", 0.0, 10, || {
        h.clone().sum_dim(0).into_data()
    });
    time("gelu_tanh [2048,2048] (9 ops)", 0.0, 5, || {
        let inner = (h.clone().square() * 0.044715 + 1.0) * h.clone() * 0.7978845608;
        (h.clone() * (inner.tanh() + 1.0) * 0.5).into_data()
    });
    time("tanh [2048,2048]", 0.0, 5, || h.clone().tanh().into_data());
    time("exp [2048,2048]", 0.0, 5, || h.clone().exp().into_data());
    time("sigmoid [2048,2048]", 0.0, 5, || {
        burn::tensor::activation::sigmoid(h.clone()).into_data()
    });
    time("gelu_tanh via sigmoid [2048,2048] (6 ops)", 0.0, 5, || {
        let u = (h.clone().square() * 0.071_354_816 + 1.595_769_1) * h.clone();
        (h.clone() * burn::tensor::activation::sigmoid(u)).into_data()
    });
    // The CPU path's one-pass versions (llm_runtime::model::host_ops), same shapes.
    let hv = h.clone().into_data().try_into_vec::<f32>().unwrap();
    time("gated gelu_tanh * up, one pass [2048,2048]", 0.0, 5, || {
        let (mut g, mut u) = (hv.clone(), hv.clone());
        host_ops::gated_activation(Activation::GeluTanh, &mut g, &mut u, true);
        u
    });
    let xv = x.clone().into_data().try_into_vec::<f32>().unwrap();
    let scale = vec![1.0f32; 640];
    // Both from a host vector and back, as the model's CPU path does.
    let scale_t = Tensor::<2>::from_data(TensorData::new(scale.clone(), [1, 640]), &dev);
    time("rms_norm one pass [n,640]", 0.0, 20, || {
        let mut v = xv.clone();
        host_ops::rms_norm(&mut v, &scale, 1e-6);
        v
    });
    time("rms_norm burn ops [n,640]", 0.0, 20, || {
        let x = Tensor::<2>::from_data(TensorData::new(xv.clone(), [n, 640]), &dev);
        let ms = x.clone().square().mean_dim(1);
        let inv = ms.add_scalar(1e-6).sqrt().recip();
        (x * inv * scale_t.clone()).into_data()
    });
    time("silu [2048,2048]", 0.0, 5, || {
        burn::tensor::activation::silu(h.clone()).into_data()
    });
    time("mul [2048,2048]", 0.0, 5, || {
        (h.clone() * h.clone()).into_data()
    });
    time("greater_elem+float [2048,2048]", 0.0, 5, || {
        h.clone().greater_elem(0.0).float().into_data()
    });
    for (sq, sk) in [(256, 256), (256, 512), (256, 767)] {
        let q = Tensor::<4>::random([1, 4, sq, 256], Distribution::Default, &dev);
        let k = Tensor::<4>::random([1, 1, sk, 256], Distribution::Default, &dev);
        let v = Tensor::<4>::random([1, 1, sk, 256], Distribution::Default, &dev);
        let mask = Tensor::<4, Bool>::from_data(
            TensorData::new(vec![false; sq * sk], [1, 1, sq, sk]),
            &dev,
        );
        let opts = AttentionModuleOptions {
            scale: Some(1.0 / 16.0),
            softcap: None,
            is_causal: false,
        };
        let fl = 4.0 * 4.0 * sq as f64 * sk as f64 * 256.0;
        time(
            &format!("attention fused 4 heads gqa q{sq} k{sk}"),
            fl,
            5,
            || {
                attention(
                    q.clone(),
                    k.clone(),
                    v.clone(),
                    Some(mask.clone()),
                    None,
                    opts,
                )
                .into_data()
            },
        );
        let kt = k.clone().swap_dims(2, 3).reshape([1, 1, 256, sk]);
        let qg = q.clone().reshape([1, 1, 4 * sq, 256]);
        time(&format!("attention explicit q{sq} k{sk}"), fl, 5, || {
            let s = qg.clone().matmul(kt.clone()) * (1.0 / 16.0);
            let p = burn::tensor::activation::softmax(s, 3);
            p.matmul(v.clone()).into_data()
        });
    }
}
