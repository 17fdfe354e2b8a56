// llama.cpp's view of a model, for comparisons with BridgeX's runtime (docs/peers/qwen_llama_cpp.sh).
// For each prompt (one per line on stdin, `\n` read as a line break) prints a JSON line: the
// prompt's token ids (llama_tokenize, add_special=true, parse_special=false), the top-10
// next-token ids and logits after the prompt, and N_GEN greedy tokens (ids and text).
//
//   llama_logits MODEL.gguf N_GEN [--exact] < prompts.txt
//
// --exact: f32 K/V cache and no flash attention, so that on an F32 copy of the model
// (llama-quantize ... F32) every product is f32 (by default llama.cpp keeps K/V in f16 and, for
// quantised weights, quantises activations to 8 bits before each product).
#include "llama.h"
#include <algorithm>
#include <cstdlib>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

static void batch_set_tokens(llama_batch_ext * batch, const llama_token * tokens, int32_t n_tokens, llama_pos pos_0) {
    llama_batch_ext_clear(batch);
    for (int32_t i = 0; i < n_tokens; ++i) {
        const int32_t idx = llama_batch_ext_add_token(batch, 0, tokens[i]);
        const llama_pos pos = pos_0 + i;
        llama_batch_ext_set_pos(batch, idx, &pos);
    }
    llama_batch_ext_set_output_logits(batch, n_tokens - 1, true);
}

static std::string json_escape(const std::string & s) {
    std::string o;
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') { o += '\\'; o += c; }
        else if (c == '\n') o += "\\n";
        else if (c < 0x20) { char b[8]; snprintf(b, sizeof b, "\\u%04x", c); o += b; }
        else o += c;
    }
    return o;
}

static std::string unescape(const std::string & s) {
    std::string o;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') { o += '\n'; i++; }
        else o += s[i];
    }
    return o;
}

int main(int argc, char ** argv) {
    std::setlocale(LC_NUMERIC, "C");
    if (argc < 3) { fprintf(stderr, "usage: %s MODEL N_GEN [--exact] < prompts\n", argv[0]); return 1; }
    const int n_gen = atoi(argv[2]);
    const bool exact = argc > 3 && strcmp(argv[3], "--exact") == 0;
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model * model = llama_model_load_from_file(argv[1], mp);
    if (!model) { fprintf(stderr, "cannot load\n"); return 1; }
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    std::string line;
    while (std::getline(std::cin, line)) {
        if (line.empty()) continue;
        std::string prompt = unescape(line);
        int n = -llama_tokenize(vocab, prompt.c_str(), prompt.size(), NULL, 0, true, false);
        std::vector<llama_token> toks(n);
        llama_tokenize(vocab, prompt.c_str(), prompt.size(), toks.data(), n, true, false);
        llama_context_params cp = llama_context_default_params();
        cp.n_ctx = n + n_gen + 8;
        cp.n_batch = n;
        cp.n_threads = 2;
        cp.n_threads_batch = 2;
        if (exact) {
            cp.type_k = GGML_TYPE_F32;
            cp.type_v = GGML_TYPE_F32;
            cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
        }
        llama_context * ctx = llama_init_from_model(model, cp);
        llama_batch_ext * batch = llama_batch_ext_init(ctx);
        batch_set_tokens(batch, toks.data(), n, 0);
        printf("{\"prompt\":\"%s\",\"ids\":[", json_escape(prompt).c_str());
        for (int i = 0; i < n; i++) printf(i ? ",%d" : "%d", toks[i]);
        printf("]");
        int pos = 0, n_tok = n;
        std::string text;
        std::vector<int> gen;
        for (int step = 0; step < n_gen; step++) {
            if (llama_process(ctx, LLAMA_PROCESS_TYPE_DECODE, batch)) { fprintf(stderr, "decode failed\n"); return 1; }
            pos += n_tok;
            const float * logits = llama_get_logits_ith(ctx, -1);
            std::vector<int> idx(n_vocab);
            for (int i = 0; i < n_vocab; i++) idx[i] = i;
            std::partial_sort(idx.begin(), idx.begin() + 10, idx.end(), [&](int a, int b) { return logits[a] > logits[b]; });
            if (step == 0) {
                printf(",\"top10\":[");
                for (int k = 0; k < 10; k++) printf(k ? ",[%d,%.5f]" : "[%d,%.5f]", idx[k], logits[idx[k]]);
                printf("]");
            }
            llama_token next = idx[0];
            gen.push_back(next);
            if (llama_vocab_is_eog(vocab, next)) break;
            char buf[256];
            int m = llama_token_to_piece(vocab, next, buf, sizeof buf, 0, true);
            if (m > 0) text.append(buf, m);
            batch_set_tokens(batch, &next, 1, pos);
            n_tok = 1;
        }
        printf(",\"greedy_ids\":[");
        for (size_t i = 0; i < gen.size(); i++) printf(i ? ",%d" : "%d", gen[i]);
        printf("],\"greedy_text\":\"%s\"}\n", json_escape(text).c_str());
        fflush(stdout);
        llama_batch_ext_free(batch);
        llama_free(ctx);
    }
    llama_model_free(model);
    return 0;
}
