# Peers first on the idle GPU, then the background runs of ours (same machine, same lease).
. target/gpu/s/prelude.sh
mkdir -p /root/res
( cd target/gpu/s && for k in "gemma3-270m 16" "llama3-8b 4"; do set -- $k
  timeout 300 python3 -c "import json,torch_capture_peer as p; print(json.dumps(p.run('$1',$2,2048)))"; done ) > /root/res/peer.jsonl 2> /root/res/peer.err
echo "peer rc=$?" >> /root/res/peer.err; tail -3 /root/res/peer.err
setsid nohup bash target/gpu/s/bgspeed.sh > /root/res/bg.out 2>&1 < /dev/null &
bash target/gpu/s/poll.sh ${P:-400}
