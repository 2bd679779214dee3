package com.fmawsss.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Decisions of the SSRF guard, made without DNS or connections: names resolve through a fixed
 * table, and the test fails if the policy tries to resolve anything else.
 */
class OutboundPolicyTest {

    private static final Map<String, String[]> DNS = Map.of(
            "ls.example.com", new String[] {"203.0.114.10"},
            "files.example.com", new String[] {"198.51.99.7"},
            "metadata.example.com", new String[] {"169.254.169.254"},
            "rebind.example.com", new String[] {"198.51.99.8", "10.1.2.3"},
            "private.example.com", new String[] {"192.168.1.20"},
            "zero.example.com", new String[] {"0.0.0.0"},
            "v6meta.example.com", new String[] {"fd00:ec2::254"},
            "mapped.example.com", new String[] {"::ffff:a9fe:a9fe"},
            "localhost", new String[] {"127.0.0.1"});

    private final List<String> resolved = new ArrayList<>();

    private OutboundPolicy policy(boolean loopback, boolean privateAddresses, String... hosts) {
        List<String> allowed = new ArrayList<>(List.of("ls.example.com", "*.example.com", "localhost", "127.0.0.1",
                "169.254.169.254", "0.0.0.0", "[::1]", "[::ffff:169.254.169.254]", "[fd00:ec2::254]", "10.0.0.5",
                "100.100.100.200", "2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518", "[64:ff9b::a9fe:a9fe]",
                "[2002:a9fe:a9fe::1]", "[fe80::1]", "224.0.0.1"));
        allowed.addAll(List.of(hosts));
        return new OutboundPolicy(allowed, loopback, privateAddresses, host -> {
            resolved.add(host);
            String[] addresses = DNS.get(host);
            if (addresses == null) {
                throw new UnknownHostException(host);
            }
            InetAddress[] out = new InetAddress[addresses.length];
            for (int i = 0; i < addresses.length; i++) {
                out[i] = InetAddress.getByName(addresses[i]); // literals only: no lookup
            }
            return out;
        });
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            http://ls.example.com/data/upload/1/a.png         | true  | 
            https://files.example.com/bucket/a.png?sig=x     | true  | 
            http://LS.EXAMPLE.COM./data/upload/1/a.png        | true  | 
            http://169.254.169.254/latest/meta-data/          | false | link-local
            http://[::ffff:169.254.169.254]/latest/meta-data/ | false | link-local
            http://[64:ff9b::a9fe:a9fe]/                      | false | link-local
            http://[2002:a9fe:a9fe::1]/                       | false | link-local
            http://[fd00:ec2::254]/latest/meta-data/          | false | metadata
            http://100.100.100.200/latest/meta-data/          | false | metadata
            http://0.0.0.0:8080/                              | false | unspecified
            http://2852039166/                                | false | canonical
            http://0xa9fea9fe/                                | false | canonical
            http://0251.0376.0251.0376/                       | false | canonical
            http://169.254.43518/                             | false | valid host
            http://[fe80::1]/                                 | false | link-local
            http://224.0.0.1/                                 | false | multicast
            http://metadata.example.com/                      | false | link-local
            http://mapped.example.com/                        | false | link-local
            http://v6meta.example.com/                        | false | metadata
            http://zero.example.com/                          | false | unspecified
            http://rebind.example.com/                        | false | private
            http://private.example.com/                       | false | private
            http://10.0.0.5/                                  | false | private
            http://127.0.0.1:8080/                            | false | loopback
            http://localhost:8080/                            | false | loopback
            http://[::1]/                                     | false | loopback
            http://evil.test/a.png                            | false | allow-list
            http://unknown.example.com/a.png                  | false | does not resolve
            file:///etc/passwd                                | false | scheme
            ftp://ls.example.com/a.png                        | false | scheme
            gopher://ls.example.com:70/                       | false | scheme
            http://user@ls.example.com/a.png                  | false | user-info
            http://ls.example.com@169.254.169.254/            | false | user-info
            """)
    void decisionsWithoutLoopbackOrPrivateAddresses(String url, boolean allowed, String reason) {
        OutboundPolicy.Decision decision = policy(false, false).check(URI.create(url.strip()));
        assertThat(decision.allowed()).as("%s: %s", url, decision.reason()).isEqualTo(allowed);
        if (!allowed) {
            assertThat(decision.reason()).as(url).containsIgnoringCase(reason.strip());
        }
    }

    @Test
    void loopbackAndPrivateAddressesOnlyWhenConfiguredAndMetadataNever() {
        OutboundPolicy open = policy(true, true);
        assertThat(open.check(URI.create("http://127.0.0.1:8080/")).allowed()).isTrue();
        assertThat(open.check(URI.create("http://localhost:8080/")).allowed()).isTrue();
        assertThat(open.check(URI.create("http://[::1]/")).allowed()).isTrue();
        assertThat(open.check(URI.create("http://10.0.0.5/")).allowed()).isTrue();
        assertThat(open.check(URI.create("http://rebind.example.com/")).allowed()).isTrue();
        for (String url : List.of("http://169.254.169.254/", "http://[::ffff:169.254.169.254]/", "http://[fd00:ec2::254]/",
                "http://100.100.100.200/", "http://0.0.0.0/", "http://metadata.example.com/", "http://2852039166/")) {
            assertThat(open.check(URI.create(url)).allowed()).as(url).isFalse();
        }
        OutboundPolicy loopbackOnly = policy(true, false);
        assertThat(loopbackOnly.check(URI.create("http://127.0.0.1/")).allowed()).isTrue();
        assertThat(loopbackOnly.check(URI.create("http://10.0.0.5/")).allowed()).isFalse();
    }

    @Test
    void hostsOffTheAllowListAreRefusedBeforeAnyLookup() {
        OutboundPolicy strict = new OutboundPolicy(List.of("ls.example.com"), false, false, host -> {
            resolved.add(host);
            return new InetAddress[] {InetAddress.getByName("203.0.114.10")};
        });
        assertThat(strict.check(URI.create("http://files.example.com/a.png")).allowed()).isFalse();
        assertThat(strict.check(URI.create("http://sub.ls.example.com/a.png")).allowed()).isFalse();
        assertThat(resolved).isEmpty();
        assertThat(strict.check(URI.create("http://ls.example.com/a.png")).allowed()).isTrue();
        assertThat(resolved).containsExactly("ls.example.com");
    }

    @Test
    void wildcardsMatchSubdomainsOnly() {
        OutboundPolicy wildcard = new OutboundPolicy(List.of("*.example.com"), false, false,
                host -> new InetAddress[] {InetAddress.getByName("203.0.114.10")});
        assertThat(wildcard.check(URI.create("https://a.example.com/x")).allowed()).isTrue();
        assertThat(wildcard.check(URI.create("https://a.b.example.com/x")).allowed()).isTrue();
        assertThat(wildcard.check(URI.create("https://example.com/x")).allowed()).isFalse();
        assertThat(wildcard.check(URI.create("https://evilexample.com/x")).allowed()).isFalse();
        assertThat(wildcard.check(URI.create("https://example.com.evil.test/x")).allowed()).isFalse();
    }
}
