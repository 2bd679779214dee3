package com.fmawsss.security;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.net.Inet4Address;

/**
 * Decides whether the service may send a request to a URL (server-side request forgery guard).
 * Used for every URL that comes from a client (task data of annotation tools) and for redirects.
 *
 * <p>A URL is allowed only when all of these hold:
 *
 * <ul>
 *   <li>the scheme is {@code http} or {@code https}, there is a host and no user-info;
 *   <li>the host is on the allow-list: an exact name or address, or {@code *.example.com} for
 *       every subdomain of {@code example.com};
 *   <li>a numeric host is a canonical dotted quad or a bracketed IPv6 literal: decimal ({@code
 *       2852039166}), octal ({@code 0251.0376.0251.0376}), hexadecimal ({@code 0xa9fea9fe}) and
 *       shortened ({@code 169.254.43518}) forms are refused, because parsers disagree on them;
 *   <li>every address the host resolves to is allowed: never the unspecified, link-local
 *       (169.254/16, fe80::/10, which hold the cloud metadata services), multicast, broadcast,
 *       reserved or documentation ranges, nor the known metadata addresses ({@code
 *       169.254.169.254}, {@code fd00:ec2::254}, {@code 100.100.100.200}); loopback only when
 *       {@code allowLoopback}; private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7)
 *       only when {@code allowPrivate}. IPv6 forms that embed an IPv4 address (mapped,
 *       compatible, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) are judged by that
 *       address.
 * </ul>
 *
 * <p>A trusted origin (scheme, host and port the administrator configured, e.g. {@code
 * LABEL_STUDIO_URL}) is on the allow-list and may resolve to loopback and private addresses
 * whatever {@code allowLoopback} and {@code allowPrivate} say: a tool in the same Docker network,
 * cluster or VPC, or on the same host. Every other refusal applies to it too, so it never reaches
 * link-local or metadata addresses; other ports and hosts keep the rules above.
 *
 * The decision resolves names through {@link HostResolver} and never connects. The HTTP client
 * resolves the name again when it connects; hosts are admin-configured, so a name whose DNS answer
 * changes between the two lookups is outside this guard's threat model (the JVM's address cache
 * usually returns the same answer).
 */
public final class OutboundPolicy {

    private static final Pattern NUMERIC_PART = Pattern.compile("0x[0-9a-f]*|[0-9]+");
    private static final Pattern CANONICAL_OCTET = Pattern.compile("0|[1-9][0-9]{0,2}");
    private static final byte[] AWS_METADATA_V6 = literal("fd00:ec2::254").getAddress();

    private final List<String> allowedHosts;
    private final List<URI> trustedOrigins;
    private final boolean allowLoopback;
    private final boolean allowPrivate;
    private final HostResolver resolver;

    /**
     * @param allowedHosts host names, addresses or {@code *.domain} patterns (case-insensitive)
     * @param allowLoopback whether 127/8 and ::1 may be reached (tests, a co-located tool)
     * @param allowPrivate whether private ranges may be reached (a tool on the same private network)
     * @param resolver name resolution
     */
    public OutboundPolicy(List<String> allowedHosts, boolean allowLoopback, boolean allowPrivate, HostResolver resolver) {
        this(allowedHosts, List.of(), allowLoopback, allowPrivate, resolver);
    }

    /**
     * @param allowedHosts host names, addresses or {@code *.domain} patterns (case-insensitive)
     * @param trustedOrigins origins reached at whatever loopback or private address they resolve to
     * @param allowLoopback whether 127/8 and ::1 may be reached on other hosts
     * @param allowPrivate whether private ranges may be reached on other hosts
     * @param resolver name resolution
     */
    public OutboundPolicy(List<String> allowedHosts, List<URI> trustedOrigins, boolean allowLoopback, boolean allowPrivate,
            HostResolver resolver) {
        this.trustedOrigins = List.copyOf(trustedOrigins);
        List<String> hosts = new ArrayList<>(allowedHosts);
        for (URI origin : this.trustedOrigins) {
            String host = origin.getHost();
            hosts.add(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host);
        }
        this.allowedHosts = hosts.stream().map(OutboundPolicy::normalizeHost).filter(h -> !h.isEmpty()).distinct().toList();
        this.allowLoopback = allowLoopback;
        this.allowPrivate = allowPrivate;
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** Resolves names with the JVM resolver. */
    public static HostResolver systemResolver() {
        return InetAddress::getAllByName;
    }

    /**
     * The allow-list, normalised.
     *
     * @return lower-case hosts and patterns
     */
    public List<String> allowedHosts() {
        return allowedHosts;
    }

    /**
     * Judges a URL.
     *
     * @param uri the target
     * @return the decision, with the reason when refused
     */
    public Decision check(URI uri) {
        if (uri == null || !uri.isAbsolute()) {
            return Decision.refused("the URL is not absolute");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Decision.refused("scheme '" + scheme + "' is not allowed (http and https only)");
        }
        if (uri.getRawUserInfo() != null) {
            return Decision.refused("URLs with user-info are not allowed");
        }
        String host = uri.getHost();
        if (host == null || host.isBlank()) {
            return Decision.refused(uri.getRawAuthority() == null ? "the URL has no host"
                    : "'" + uri.getRawAuthority() + "' is not a valid host (numeric hosts must be canonical dotted quads)");
        }
        boolean ipv6Literal = host.startsWith("[");
        InetAddress literalAddress = null;
        if (ipv6Literal) {
            try {
                literalAddress = literal(host.substring(1, host.length() - 1));
            } catch (IllegalArgumentException e) {
                return Decision.refused("'" + host + "' is not a valid IPv6 address");
            }
        }
        host = normalizeHost(host);
        if (!ipv6Literal && looksNumeric(host) && !isCanonicalIpv4(host)) {
            return Decision.refused("numeric host '" + host + "' is not a canonical dotted-quad address");
        }
        if (!isAllowedHost(host)) {
            return Decision.refused("host '" + host + "' is not on the allow-list");
        }
        InetAddress[] addresses;
        try {
            if (ipv6Literal) {
                addresses = new InetAddress[] {literalAddress};
            } else if (isCanonicalIpv4(host)) {
                addresses = new InetAddress[] {ipv4(host)};
            } else {
                addresses = resolver.resolve(host);
            }
        } catch (UnknownHostException e) {
            return Decision.refused("host '" + host + "' does not resolve");
        }
        if (addresses == null || addresses.length == 0) {
            return Decision.refused("host '" + host + "' does not resolve");
        }
        boolean trusted = trustedOrigins.stream().anyMatch(origin -> sameOrigin(origin, uri));
        for (InetAddress address : addresses) {
            String refusal = refusal(address, trusted);
            if (refusal != null) {
                return Decision.refused("host '" + host + "' resolves to " + address.getHostAddress() + ": " + refusal);
            }
        }
        return Decision.allowed(List.of(addresses));
    }

    /**
     * Why an address may not be reached, or null when it may.
     *
     * @return the reason, or null
     */
    public String refusal(InetAddress address) {
        return refusal(address, false);
    }

    private String refusal(InetAddress address, boolean trusted) {
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            byte[] embedded = embeddedIpv4(b);
            if (embedded != null) {
                return refusalV4(embedded, trusted);
            }
            return refusalV6(b, trusted);
        }
        return refusalV4(b, trusted);
    }

    private String refusalV4(byte[] b, boolean trusted) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        int a2 = b[2] & 0xff;
        int a3 = b[3] & 0xff;
        if (a0 == 169 && a1 == 254) {
            return "link-local and cloud-metadata addresses are never reached";
        }
        if (a0 == 100 && a1 == 100 && a2 == 100 && a3 == 200) {
            return "cloud-metadata address";
        }
        if (a0 == 0) {
            return "unspecified address";
        }
        if (a0 >= 224) {
            return "multicast, reserved or broadcast address";
        }
        if ((a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2)) || (a0 == 198 && (a1 == 18 || a1 == 19))
                || (a0 == 198 && a1 == 51 && a2 == 100) || (a0 == 203 && a1 == 0 && a2 == 113)) {
            return "special-purpose address";
        }
        if (a0 == 127) {
            return allowLoopback || trusted ? null : "loopback addresses are not allowed (fma.label-studio.allow-loopback)";
        }
        boolean privateRange = a0 == 10 || (a0 == 172 && a1 >= 16 && a1 <= 31) || (a0 == 192 && a1 == 168)
                || (a0 == 100 && a1 >= 64 && a1 <= 127);
        if (privateRange) {
            return allowPrivate || trusted ? null : "private addresses are not allowed (fma.label-studio.allow-private-addresses)";
        }
        return null;
    }

    private String refusalV6(byte[] b, boolean trusted) {
        if (Arrays.equals(b, AWS_METADATA_V6)) {
            return "cloud-metadata address";
        }
        boolean allZero = true;
        for (int i = 0; i < 15; i++) {
            allZero &= b[i] == 0;
        }
        if (allZero && (b[15] == 0)) {
            return "unspecified address";
        }
        if (allZero && b[15] == 1) {
            return allowLoopback || trusted ? null : "loopback addresses are not allowed (fma.label-studio.allow-loopback)";
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if (first == 0xfe && (second & 0xc0) == 0x80) {
            return "link-local addresses are never reached";
        }
        if (first == 0xff) {
            return "multicast address";
        }
        if (first == 0x20 && second == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
            return "documentation address";
        }
        if ((first & 0xfe) == 0xfc || (first == 0xfe && (second & 0xc0) == 0xc0)) {
            return allowPrivate || trusted ? null : "private addresses are not allowed (fma.label-studio.allow-private-addresses)";
        }
        if (first == 0 || first == 1) {
            // ::/8 (other than the forms above) and 100::/64 discard-only: not routable targets.
            return "reserved address";
        }
        return null;
    }

    /** The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4), or null. */
    private static byte[] embeddedIpv4(byte[] b) {
        boolean zeroPrefix = true;
        for (int i = 0; i < 10; i++) {
            zeroPrefix &= b[i] == 0;
        }
        boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = zeroPrefix && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] & 0xfe) == 0);
        boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b
                && Arrays.equals(Arrays.copyOfRange(b, 4, 12), new byte[8]);
        if (mapped || compatible || nat64) {
            return Arrays.copyOfRange(b, 12, 16);
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
            return Arrays.copyOfRange(b, 2, 6);
        }
        return null;
    }

    /**
     * Whether two URLs share scheme, host and port.
     *
     * @param a one URL
     * @param b another
     */
    public static boolean sameOrigin(URI a, URI b) {
        if (a == null || b == null || a.getScheme() == null || b.getScheme() == null || a.getHost() == null || b.getHost() == null) {
            return false;
        }
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && normalizeHost(a.getHost()).equals(normalizeHost(b.getHost()))
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return uri.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80;
    }

    private boolean isAllowedHost(String host) {
        for (String allowed : allowedHosts) {
            if (allowed.startsWith("*.")) {
                String suffix = allowed.substring(1);
                if (host.endsWith(suffix) && host.length() > suffix.length()) {
                    return true;
                }
            } else if (allowed.equals(host)) {
                return true;
            }
        }
        return false;
    }

    private static boolean looksNumeric(String host) {
        for (String part : host.split("\\.", -1)) {
            if (!NUMERIC_PART.matcher(part).matches()) {
                return false;
            }
        }
        return true;
    }

    private static boolean isCanonicalIpv4(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (!CANONICAL_OCTET.matcher(part).matches() || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress ipv4(String dottedQuad) throws UnknownHostException {
        String[] parts = dottedQuad.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return InetAddress.getByAddress(bytes);
    }

    /**
     * Lower case, without a trailing dot; bracketed IPv6 literals in their canonical text form
     * ({@code [::ffff:a.b.c.d]} becomes {@code a.b.c.d}).
     */
    static String normalizeHost(String host) {
        String h = host.strip().toLowerCase(Locale.ROOT);
        while (h.endsWith(".") && h.length() > 1) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.startsWith("[") && h.endsWith("]")) {
            try {
                InetAddress address = literal(h.substring(1, h.length() - 1));
                // An IPv4-mapped literal is the IPv4 host itself (the JDK connects to it over IPv4).
                return address instanceof Inet4Address ? address.getHostAddress() : "[" + address.getHostAddress() + "]";
            } catch (IllegalArgumentException e) {
                return h;
            }
        }
        return h;
    }

    /** Parses an IPv6 (or IPv4) literal; never a DNS lookup. */
    private static InetAddress literal(String text) {
        if (!text.matches("[0-9a-fA-F:.%]+") || !text.contains(":")) {
            throw new IllegalArgumentException("not an IPv6 literal: " + text);
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 literal: " + text, e);
        }
    }

    /** Name resolution, replaceable in tests so that decisions are checked without DNS or connections. */
    @FunctionalInterface
    public interface HostResolver {
        /**
         * Resolves a host name.
         *
         * @param host the name
         * @return its addresses
         * @throws UnknownHostException when it does not resolve
         */
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /**
     * The outcome of a check.
     *
     * @param allowed whether the request may be sent
     * @param reason why not, or null
     * @param addresses the vetted addresses when allowed
     */
    public record Decision(boolean allowed, String reason, List<InetAddress> addresses) {

        static Decision allowed(List<InetAddress> addresses) {
            return new Decision(true, null, List.copyOf(addresses));
        }

        static Decision refused(String reason) {
            return new Decision(false, reason, List.of());
        }
    }
}
