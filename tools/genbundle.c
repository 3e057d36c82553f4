/*
 * Benchmark input generator for `make bench`: writes, deterministically
 * from a fixed seed, a troubleshoot-layout support bundle tree with
 * cert-manager controller logs (mostly ordinary info lines, a few percent
 * warnings and errors, every payload generation, some JSON logging),
 * YAML and JSON dumps (one List of a given size) and describe outputs.
 * A handful of real failures are planted, so the report has findings.
 *
 * Usage: genbundle DIR LOG_MB DUMP_MB
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void mkdirs(const char *path)
{
	char tmp[1024];
	char *p;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
			perror(tmp);
			exit(1);
		}
		*p = '/';
	}
	if (mkdir(tmp, 0755) < 0 && errno != EEXIST) {
		perror(tmp);
		exit(1);
	}
}

static FILE *open_out(const char *dir, const char *rel)
{
	char path[1024], d[1024];
	char *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(d, sizeof(d), "%s", path);
	slash = strrchr(d, '/');
	*slash = '\0';
	mkdirs(d);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	return f;
}

static const char *const ns[] = { "shop", "api", "web", "billing", "auth" };
static const char *const verbs[] = {
	"Certificate must be re-issued", "found one existing HTTP01 solver pod",
	"cert-manager/certificates-trigger: backing off",
	"Setting lastTransitionTime for Certificate condition",
	"Cleaning up old/failed CertificateRequests",
	"certificate does not require re-issuance", "Updating Order status",
};

/* One log line at time t (seconds since 10:00), in one of the shapes. */
static void log_line(FILE *f, unsigned long i, unsigned t)
{
	unsigned h = 10 + t / 3600 % 14, m = t / 60 % 60, s = t % 60;
	unsigned us = (unsigned)(i * 7919 % 1000000);
	const char *n = ns[rnd(5)];
	unsigned r = rnd(1000), gen = rnd(10);

	if (r < 960) {
		const char *v = verbs[rnd(7)];

		if (gen < 6)
			fprintf(f, "I0501 %02u:%02u:%02u.%06u       1 trigger_controller.go:223] \"%s\" logger=\"cert-manager.controller\" key=\"%s/app-%u-tls\" reason=\"Renewing\" message=\"Renewing certificate as renewal was scheduled\"\n", h, m, s, us, v, n, rnd(400));
		else if (gen < 8)
			fprintf(f, "I0501 %02u:%02u:%02u.%06u       1 sync.go:91] cert-manager/certificates-readiness \"msg\"=\"%s\" \"key\"=\"%s/app-%u-tls\" \n", h, m, s, us, v, n, rnd(400));
		else if (gen < 9)
			fprintf(f, "{\"ts\":%llu.%03u,\"caller\":\"trigger/trigger_controller.go:223\",\"msg\":\"%s\",\"logger\":\"cert-manager.controller\",\"key\":\"%s/app-%u-tls\",\"v\":2}\n", 1714557600000ull + (unsigned long long)t * 1000, us % 1000, v, n, rnd(400));
		else
			fprintf(f, "I0501 %02u:%02u:%02u.%06u       1 controller.go:%u] %s: syncing item '%s/app-%u-tls'\n", h, m, s, us, 100 + rnd(90), "certificates controller", n, rnd(400));
	} else if (r < 975) {
		fprintf(f, "W0501 %02u:%02u:%02u.%06u       1 warnings.go:70] metadata.finalizers: \"finalizer.acme.cert-manager.io\": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers\n", h, m, s, us);
	} else if (r < 990) {
		fprintf(f, "E0501 %02u:%02u:%02u.%06u       1 controller.go:162] \"re-queuing item due to optimistic locking on resource\" logger=\"cert-manager.controller\" key=\"%s/app-%u-tls\" error=\"Operation cannot be fulfilled on certificates.cert-manager.io \\\"app-%u-tls\\\": the object has been modified; please apply your changes to the latest version and try again\"\n", h, m, s, us, n, rnd(400), rnd(400));
	} else if (r < 998) {
		fprintf(f, "E0501 %02u:%02u:%02u.%06u       1 sync.go:208] \"propagation check failed\" err=\"wrong status code '404', expected '200'\" logger=\"cert-manager.controller\" resource_name=\"shop-example-com-tls-1-2745722290-4391602865\" resource_namespace=\"shop\" resource_kind=\"Challenge\" resource_version=\"v1\" dnsName=\"shop.example.com\" type=\"HTTP-01\"\n", h, m, s, us);
	} else {
		fprintf(f, "E0501 %02u:%02u:%02u.%06u       1 setup.go:335] \"failed to register an ACME account\" err=\"400 urn:ietf:params:acme:error:invalidContact: Error validating contact(s) :: contact email has forbidden domain \\\"example.com\\\"\" logger=\"cert-manager.controller\" resource_name=\"letsencrypt-prod\" resource_namespace=\"\" resource_kind=\"ClusterIssuer\" resource_version=\"v1\"\n", h, m, s, us);
	}
}

static void write_logs(const char *dir, unsigned long mb)
{
	unsigned long target = mb << 20, per_file = 256ul << 20, i = 0;
	unsigned file = 0;

	while (target) {
		char rel[256];
		unsigned long size = target < per_file ? target : per_file;
		FILE *f;

		snprintf(rel, sizeof(rel), "cluster-resources/pods/logs/cert-manager/cert-manager-7d9f8b6c5-x%u/cert-manager-controller.log", file++);
		f = open_out(dir, rel);
		while ((unsigned long)ftell(f) < size) {
			log_line(f, i, (unsigned)(i / 200));
			i++;
		}
		fclose(f);
		target -= size;
	}
}

static void challenge_json(FILE *f, unsigned long i, const char *n, int last)
{
	fprintf(f, "        {\n            \"apiVersion\": \"acme.cert-manager.io/v1\",\n            \"kind\": \"Challenge\",\n            \"metadata\": {\n                \"creationTimestamp\": \"2024-05-01T10:00:02Z\",\n                \"name\": \"app-%lu-tls-1-2745722290-%lu\",\n                \"namespace\": \"%s\",\n                \"ownerReferences\": [\n                    {\n                        \"apiVersion\": \"acme.cert-manager.io/v1\",\n                        \"controller\": true,\n                        \"kind\": \"Order\",\n                        \"name\": \"app-%lu-tls-1-2745722290\",\n                        \"uid\": \"9a1b2c3d-4e5f-4a6b-8c7d-%012lu\"\n                    }\n                ],\n                \"uid\": \"1a2b3c4d-4e5f-4a6b-8c7d-%012lu\"\n            },\n            \"spec\": {\n                \"authorizationURL\": \"https://acme-v02.api.letsencrypt.org/acme/authz/1234567/%lu\",\n                \"dnsName\": \"app-%lu.example.com\",\n                \"issuerRef\": {\"group\": \"cert-manager.io\", \"kind\": \"ClusterIssuer\", \"name\": \"letsencrypt-prod\"},\n                \"key\": \"xR2kT4e8Zb0c9pQwYtHn3vJm5LdFgA7sUiOeKrMzWqE.q9Vb3Nf6Hs1Jk8Lm2Pz5Rt7Wx0Yc4Ad6Ef8Gh1Ij3Kl\",\n                \"token\": \"xR2kT4e8Zb0c9pQwYtHn3vJm5LdFgA7sUiOeKrMzWqE\",\n                \"type\": \"HTTP-01\",\n                \"url\": \"https://acme-v02.api.letsencrypt.org/acme/chall/1234567/%lu/AbCdEf\",\n                \"wildcard\": false\n            },\n            \"status\": {\n                \"presented\": true,\n                \"processing\": false,\n                \"reason\": \"Successfully authorized domain\",\n                \"state\": \"valid\"\n            }\n        }%s\n",
		i, i * 31, n, i, i, i, i, i, i, last ? "" : ",");
}

static void pod_json(FILE *f, unsigned long i, int last)
{
	fprintf(f, "        {\n            \"apiVersion\": \"v1\",\n            \"kind\": \"Pod\",\n            \"metadata\": {\n                \"creationTimestamp\": \"2024-04-30T08:00:00Z\",\n                \"labels\": {\"app\": \"web-%lu\", \"pod-template-hash\": \"6b8c9d7f5\"},\n                \"name\": \"web-%lu-6b8c9d7f5-r7k2m\",\n                \"namespace\": \"%s\",\n                \"uid\": \"0d6f1a2b-3c4d-4e5f-8a9b-%012lu\"\n            },\n            \"spec\": {\n                \"containers\": [\n                    {\n                        \"image\": \"registry.example.com/web:1.%lu\",\n                        \"name\": \"web\",\n                        \"ports\": [{\"containerPort\": 8080, \"protocol\": \"TCP\"}],\n                        \"resources\": {\"limits\": {\"memory\": \"256Mi\"}, \"requests\": {\"cpu\": \"100m\", \"memory\": \"128Mi\"}}\n                    }\n                ],\n                \"nodeName\": \"worker-%lu\",\n                \"serviceAccountName\": \"default\"\n            },\n            \"status\": {\n                \"conditions\": [\n                    {\"lastTransitionTime\": \"2024-04-30T08:00:05Z\", \"status\": \"True\", \"type\": \"Ready\"}\n                ],\n                \"hostIP\": \"198.51.100.%lu\",\n                \"phase\": \"Running\",\n                \"podIP\": \"203.0.113.%lu\",\n                \"startTime\": \"2024-04-30T08:00:00Z\"\n            }\n        }%s\n",
		i % 500, i, ns[i % 5], i, i % 9, i % 7, i % 250, (i + 7) % 250,
		last ? "" : ",");
}

static void write_dumps(const char *dir, unsigned long mb)
{
	/*
	 * Like a real dump: most bytes are Pods and Events; a few thousand
	 * cert-manager objects at most.
	 */
	unsigned long yaml = mb / 20 ? mb / 20 : 1;
	unsigned long chal = mb / 20 ? mb / 20 : 1;
	/* Small sizes must not wrap: at least 1 MB for the PodList. */
	unsigned long list = mb > yaml + chal ? mb - yaml - chal : 1;
	unsigned long i;
	FILE *f = open_out(dir, "cluster-resources/pods/default.json");
	long start;

	/* One big List of Pods (most of a real dump), item by item. */
	fputs("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n", f);
	start = ftell(f);
	for (i = 0; (unsigned long)(ftell(f) - start) < (list << 20); i++)
		pod_json(f, i, 0);
	pod_json(f, i, 1);
	fputs("    ],\n    \"kind\": \"PodList\",\n    \"metadata\": {\n        \"resourceVersion\": \"48213\"\n    }\n}\n", f);
	fclose(f);
	/* Challenges as troubleshoot writes custom resources. */
	f = open_out(dir, "cluster-resources/custom-resources/challenges.acme.cert-manager.io/shop.json");
	fputs("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n", f);
	start = ftell(f);
	for (i = 0; (unsigned long)(ftell(f) - start) < (chal << 20); i++)
		challenge_json(f, i, "shop", 0);
	challenge_json(f, i, "shop", 1);
	fputs("    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n", f);
	fclose(f);
	/* YAML dumps of Certificates, a few failing. */
	f = open_out(dir, "kubectl/certificates.yaml");
	fputs("apiVersion: v1\nitems:\n", f);
	for (i = 0; (unsigned long)ftell(f) < (yaml << 20); i++) {
		int bad = i % 997 == 0;

		fprintf(f, "- apiVersion: cert-manager.io/v1\n  kind: Certificate\n  metadata:\n    creationTimestamp: \"2024-05-01T09:00:00Z\"\n    name: app-%lu-tls\n    namespace: %s\n    uid: 5e4b2c7d-8a9f-4b0c-9d1e-%012lu\n  spec:\n    dnsNames:\n    - app-%lu.example.com\n    issuerRef:\n      kind: ClusterIssuer\n      name: letsencrypt-prod\n    secretName: app-%lu-tls\n  status:\n    conditions:\n    - lastTransitionTime: \"2024-05-01T09:01:00Z\"\n      message: %s\n      observedGeneration: 1\n      reason: %s\n      status: \"%s\"\n      type: Ready\n    notAfter: \"2024-07-30T09:01:00Z\"\n    notBefore: \"2024-05-01T09:01:00Z\"\n    renewalTime: \"2024-06-30T09:01:00Z\"\n",
			i, ns[i % 5], i, i, i,
			bad ? "Issuing certificate as Secret does not exist" :
			      "Certificate is up to date and has not expired",
			bad ? "DoesNotExist" : "Ready", bad ? "False" : "True");
	}
	fputs("kind: List\nmetadata:\n  resourceVersion: \"\"\n", f);
	fclose(f);
	/* describe output of a failing Challenge. */
	f = open_out(dir, "kubectl/describe-challenge.txt");
	fputs("$ kubectl describe challenge -n shop shop-example-com-tls-1-2745722290-4391602865\n"
	      "Name:         shop-example-com-tls-1-2745722290-4391602865\n"
	      "Namespace:    shop\nLabels:       <none>\nAnnotations:  <none>\n"
	      "API Version:  acme.cert-manager.io/v1\nKind:         Challenge\n"
	      "Spec:\n  Dns Name:  shop.example.com\n  Type:      HTTP-01\n"
	      "Status:\n  Presented:   true\n  Processing:  true\n"
	      "  Reason:      Waiting for HTTP-01 challenge propagation: wrong status code '404', expected '200'\n"
	      "  State:       pending\nEvents:\n"
	      "  Type    Reason     Age   From                     Message\n"
	      "  ----    ------     ----  ----                     -------\n"
	      "  Normal  Started    29m   cert-manager-challenges  Challenge scheduled for processing\n"
	      "  Normal  Presented  29m   cert-manager-challenges  Presented challenge using HTTP-01 challenge mechanism\n", f);
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: genbundle DIR LOG_MB DUMP_MB\n");
		return 2;
	}
	if (strtoul(argv[2], NULL, 10) > 65536 ||
	    strtoul(argv[3], NULL, 10) > 65536) {
		fprintf(stderr, "genbundle: at most 65536 MB of each\n");
		return 2;
	}
	mkdirs(argv[1]);
	write_logs(argv[1], strtoul(argv[2], NULL, 10));
	write_dumps(argv[1], strtoul(argv[3], NULL, 10));
	return 0;
}
