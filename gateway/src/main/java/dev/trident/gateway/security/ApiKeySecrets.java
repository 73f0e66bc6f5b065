package dev.trident.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * API key secrets: 32 random bytes (256 bits, so a plain SHA-256 is a sufficient one-way store — no salt or slow
 * hash is needed against guessing), written as {@code trd_} + base64url.
 */
public final class ApiKeySecrets {

    public static final String PREFIX = "trd_";
    /** Characters of a secret kept in clear to recognise a key: the prefix and 6 characters (36 of 256 bits). */
    public static final int SHOWN_CHARACTERS = PREFIX.length() + 6;

    private static final SecureRandom random = new SecureRandom();

    private ApiKeySecrets() {
    }

    public static String newSecret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String newKeyId() {
        byte[] bytes = new byte[8];
        random.nextBytes(bytes);
        return "key_" + HexFormat.of().formatHex(bytes);
    }

    public static byte[] hash(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Compares two secrets in time independent of where they differ. */
    public static boolean sameSecret(String presented, String expected) {
        return MessageDigest.isEqual(hash(presented), hash(expected));
    }
}
