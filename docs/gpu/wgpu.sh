# wgpu (Vulkan) on the lent GPU: random-weight parity against the CPU, then speed. Carried: .gl
# (Vulkan/EGL loader debs), target/gpu/w/gpu_bench.xz (the wgpu build).
for f in .gl/*.deb; do dpkg -x $f /; done; ldconfig
export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
ls /usr/local/nvidia/share/vulkan/icd.d/ 2>&1; ldconfig -p | grep -c libvulkan
xz -dc target/gpu/w/gpu_bench.xz > /root/gpu_bench_wgpu && chmod +x /root/gpu_bench_wgpu
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $OUT/device.txt
s=$(date +%s)
timeout 300 /root/gpu_bench_wgpu parity-random --model random:gemma3-270m --device wgpu --dtypes f32,f16 --prompts 3x24 > $OUT/wgpu_parity.txt 2>&1; echo "parity rc=$? $(( $(date +%s) - s )) s" | tee -a $OUT/wgpu_parity.txt
s=$(date +%s)
timeout 240 /root/gpu_bench_wgpu speed --model random:gemma3-270m --device wgpu --dtype f32 --prefill 16x2048 --decode 64x32+64 --iters 3 > $OUT/wgpu_speed.txt 2>&1; echo "speed rc=$? $(( $(date +%s) - s )) s" | tee -a $OUT/wgpu_speed.txt
cat $OUT/wgpu_parity.txt $OUT/wgpu_speed.txt | cut -c1-400
