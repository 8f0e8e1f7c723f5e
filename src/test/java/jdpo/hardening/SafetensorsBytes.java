package jdpo.hardening;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A safetensors file taken apart into its three pieces (u64 header length, JSON header, data),
 * so a test can damage exactly one of them and put the file back together.
 */
final class SafetensorsBytes {
    final String header;
    final byte[] data;

    private SafetensorsBytes(String header, byte[] data) {
        this.header = header;
        this.data = data;
    }

    static SafetensorsBytes read(Path file) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            int n = (int) b.getLong(0);
            String header = new String(b.array(), 8, n, StandardCharsets.UTF_8);
            return new SafetensorsBytes(header, Arrays.copyOfRange(b.array(), 8 + n, b.capacity()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header parsed, in file order. */
    JsonObject json() {
        return JsonParser.parseString(header).getAsJsonObject();
    }

    /** Writes {@code header} with its true length, then {@code data}. */
    static void write(Path file, String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        write(file, h.length, h, data);
    }

    /** Writes a header length field that need not match the header that follows. */
    static void write(Path file, long lengthField, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthField).put(header).put(data);
        try {
            Files.write(file, b.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void writeWithHeader(Path file, String newHeader) {
        write(file, newHeader, data);
    }
}
