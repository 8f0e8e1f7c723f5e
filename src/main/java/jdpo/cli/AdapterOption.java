package jdpo.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --adapter DIR}: a LoRA adapter on top of {@code --model}, for the commands that run a model. */
final class AdapterOption {

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A LoRA adapter in PEFT's format (adapter_config.json + adapter_model.safetensors, as train --lora-r "
                    + "or PEFT's save_pretrained writes it) to apply on top of --model; it is folded into the weights as they load.")
    Path dir;
}
