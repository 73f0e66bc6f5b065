/**
 * The encoder-decoder architectures, composed from the shared kernels' blocks: {@link dev.trident.seq2seq.model.Seq2SeqLm}
 * (encode once, cross-attention keys/values once per layer in a {@link dev.trident.seq2seq.model.DecoderState}, decoder
 * steps over a self-attention KV cache), {@link dev.trident.seq2seq.model.T5Model} (T5 v1.0, v1.1, Flan-T5),
 * {@link dev.trident.seq2seq.model.BartModel} (BART, Marian), opened by {@link dev.trident.seq2seq.model.Seq2SeqLms},
 * and {@link dev.trident.seq2seq.model.Generation} (greedy, HF beam search). Golden tests check each against HF
 * transformers' float32 outputs.
 */
package dev.trident.seq2seq.model;
