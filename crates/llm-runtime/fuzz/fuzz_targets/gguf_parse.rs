//! Any byte string must parse to a GGUF file or to an error, never panic; whatever parses must
//! also survive building the weights view, dequantising every tensor and building the tokenizer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llm_runtime::WeightSource;
use llm_runtime::gguf::GgufFile;
use llm_runtime::loader::GgufWeights;
use llm_runtime::tokenizer::Tokenizer;

fuzz_target!(|data: &[u8]| {
    let Ok(file) = GgufFile::from_bytes(data.to_vec(), "fuzz.gguf") else {
        return;
    };
    for t in file.tensors() {
        let _ = file.dequantize(&t.name);
    }
    let _ = Tokenizer::from_gguf(&file);
    if let Ok(w) = GgufWeights::from_file(file) {
        for name in w.tensor_names() {
            let _ = w.tensor(&name);
        }
    }
});
