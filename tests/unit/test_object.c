/*
 * Path lookups in field trees (object.c), through the per-thread memo of
 * the segments looked up: a buffer that holds another path the next time
 * gets the other path's answer, a key no node had is found once a node
 * has it, and the memo does not outlive the tables it points into.
 *
 * Frozen trees (kobject_pack(), kobject_root()): a packed object's tree
 * decodes to the same tree, in every shape a parser makes; a decoded tree
 * stays put while it is used; a freed object's decoded tree is not handed
 * to a new object at the same address; kobject_root_mut() gives a tree
 * that can change.
 */
#include "cm.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "object.h"

/* {metadata: {name: NAME, labels: {app: web}}} */
static struct fnode *tree(const char *name)
{
	struct fnode *root = fnode_new(FN_MAP, 1);
	struct fnode *meta = fnode_new(FN_MAP, 2);
	struct fnode *labels = fnode_new(FN_MAP, 4);

	fnode_add_scalar(meta, "name", 4, name, strlen(name), 3);
	fnode_add_scalar(labels, "app", 3, "web", 3, 5);
	fnode_add(meta, "labels", 6, labels);
	fnode_add(root, "metadata", 8, meta);
	return root;
}

static const char *value_at(const struct fnode *root, const char *path)
{
	const struct fnode *n = fnode_find(root, path);

	return n ? n->value : NULL;
}

static void test_reused_buffer(void **state)
{
	struct fnode *root = tree("app-1");
	char path[64];
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		strcpy(path, "metadata.name");
		assert_string_equal(value_at(root, path), "app-1");
		strcpy(path, "metadata.labels.app");
		assert_string_equal(value_at(root, path), "web");
		/* Same place, same length, other bytes. */
		strcpy(path, "metadata.nome");
		assert_null(value_at(root, path));
		strcpy(path, "metadata.labels.apq");
		assert_null(value_at(root, path));
	}
	fnode_free(root);
}

static void test_key_interned_later(void **state)
{
	static const char path[] = "metadata.zzz-later";
	struct fnode *root = tree("app-2");

	(void)state;
	/* No node has the key yet: nothing, and that is remembered... */
	assert_null(value_at(root, path));
	assert_null(value_at(root, path));
	/* ...only until some node has it. */
	fnode_add_scalar((struct fnode *)fnode_child(root, "metadata"),
			 "zzz-later", 9, "now", 3, 6);
	assert_string_equal(value_at(root, path), "now");
	fnode_free(root);
}

static void test_tables_freed(void **state)
{
	static const char path[] = "metadata.name";
	struct fnode *root = tree("app-3");

	(void)state;
	assert_string_equal(value_at(root, path), "app-3");
	fnode_free(root);
	/* The interned keys go; new trees intern them anew elsewhere. */
	fnode_intern_free();
	root = tree("app-4");
	assert_string_equal(value_at(root, path), "app-4");
	assert_string_equal(value_at(root, "metadata.labels.app"), "web");
	fnode_free(root);
	fnode_intern_free();
}

/*
 * A Certificate-like tree with every shape: nested maps, lists of maps
 * and of scalars, a null value, an empty value, a long value, keys kept
 * verbatim, a node with a value and kids (describe makes those), lines
 * going back (describe's events) and past 2^21.
 */
static struct fnode *cert_tree(unsigned i)
{
	char name[32], big[3000];
	struct fnode *root = fnode_new(FN_MAP, 1);
	struct fnode *meta = fnode_new(FN_MAP, 3);
	struct fnode *ann = fnode_new(FN_MAP, 6);
	struct fnode *spec = fnode_new(FN_MAP, 8);
	struct fnode *dns = fnode_new(FN_LIST, 9);
	struct fnode *st = fnode_new(FN_MAP, 4000000);
	struct fnode *conds = fnode_new(FN_LIST, 4000001);
	struct fnode *c = fnode_new(FN_MAP, 4000002);
	struct fnode *odd = fnode_new(FN_MAP, 2);

	snprintf(name, sizeof(name), "app-%u-tls", i);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fnode_add_scalar(root, "apiVersion", 10, "cert-manager.io/v1", 18, 1);
	fnode_add_scalar(root, "kind", 4, "Certificate", 11, 2);
	fnode_add_scalar(meta, "name", 4, name, strlen(name), 4);
	fnode_add_scalar(meta, "namespace", 9, "shop", 4, 5);
	fnode_add_scalar(ann, "cert-manager.io/issuer-kind", 27,
			 "ClusterIssuer", 13, 7);
	fnode_add_scalar(ann, "empty", 5, "", 0, 7);
	fnode_add_scalar(ann, "nothing", 7, NULL, 0, 7);
	fnode_add(meta, "annotations", 11, ann);
	fnode_add(root, "metadata", 8, meta);
	fnode_add_scalar(dns, NULL, 0, "shop.example.com", 16, 10);
	fnode_add_scalar(dns, NULL, 0, "www.shop.example.com", 20, 11);
	fnode_add(spec, "dnsNames", 8, dns);
	fnode_add_scalar(spec, "secretName", 10, name, strlen(name), 12);
	fnode_add_scalar(spec, "Big Value", 9, big, strlen(big), 13);
	fnode_add(root, "spec", 4, spec);
	fnode_add_scalar(c, "type", 4, "Ready", 5, 4000002);
	fnode_add_scalar(c, "status", 6, "False", 5, 4000003);
	fnode_add(conds, NULL, 0, c);
	fnode_add(st, "conditions", 10, conds);
	fnode_add(root, "status", 6, st);
	odd->value = strdup("True");
	fnode_add_scalar(odd, "Reason", 6, "Issuing", 7, 1);
	fnode_add(root, "Events", 6, odd);
	return root;
}

static struct kobject *packed(unsigned i)
{
	struct kobject *o = kobject_from_tree(cert_tree(i), ORIGIN_YAML,
					      "c.yaml", 1);

	assert_non_null(o);
	kobject_pack(o);
	assert_null(o->root);
	assert_non_null(o->frozen);
	return o;
}

static void test_freeze_same_tree(void **state)
{
	struct fnode *want = cert_tree(7);
	struct kobject *o = packed(7);
	const struct fnode *r = kobject_root(o);

	(void)state;
	assert_true(fnode_same(r, want));
	assert_ptr_equal(kobject_root(o), r);	/* decoded once */
	assert_int_equal(fnode_find(r, "status.conditions")->line, 4000001);
	assert_int_equal(fnode_child(r, "events")->line, 2);
	assert_string_equal(fnode_child(r, "events")->value, "True");
	assert_null(fnode_find(r, "metadata.annotations[nothing]")->value);
	assert_string_equal(fnode_find(r, "metadata.annotations[empty]")->value,
			    "");
	/* Values live in the object's block, whatever is decoded after. */
	assert_true((const char *)fnode_find(r, "spec.secretName")->value >=
		    o->pack && (const char *)fnode_find(r, "spec.secretName")
		    ->value < o->pack + o->pack_len);
	/* The object's own strings are the tree's values, not copies. */
	assert_ptr_equal(o->kind, fnode_child(r, "kind")->value);
	assert_ptr_equal(o->name, fnode_find(r, "metadata.name")->value);
	assert_ptr_equal(o->conds[0].status,
			 fnode_find(r, "status.conditions.status")->value);
	/* Packing again changes nothing. */
	kobject_pack(o);
	assert_true(fnode_same(kobject_root(o), want));
	kobject_free(o);
	fnode_free(want);
}

/*
 * A tree walked while others are decoded (a rule looking at related
 * objects) stays put: the slot that goes is the one asked for longest
 * ago, not the next in turn. There are 32 slots.
 */
static void test_thaw_in_use_stays(void **state)
{
	struct kobject *a = packed(1), *others[100];
	struct fnode *want = cert_tree(1);
	const struct fnode *ra, *sn;
	unsigned i;

	(void)state;
	for (i = 0; i < 100; i++)
		others[i] = packed(100 + i);
	ra = kobject_root(a);
	for (i = 0; i < 20; i++)
		assert_string_equal(kobject_root(others[i])->kids[2]->kids[0]
				    ->value, others[i]->name);
	/* Asked for again, then walked while 31 others are decoded. */
	assert_ptr_equal(kobject_root(a), ra);
	sn = fnode_find(ra, "spec.secretName");
	for (i = 20; i < 51; i++)
		assert_string_equal(kobject_root(others[i])->kids[2]->kids[0]
				    ->value, others[i]->name);
	assert_true(fnode_same(ra, want));
	assert_ptr_equal(fnode_find(ra, "spec.secretName"), sn);
	assert_string_equal(sn->value, a->name);
	/* Each decodes to its own tree, again and again. */
	for (i = 0; i < 100; i++) {
		struct fnode *w = cert_tree(100 + i);

		assert_true(fnode_same(kobject_root(others[i]), w));
		assert_non_null(kobject_root(others[99 - i]));
		assert_true(fnode_same(kobject_root(others[i]), w));
		fnode_free(w);
	}
	for (i = 0; i < 100; i++)
		kobject_free(others[i]);
	kobject_free(a);
	fnode_free(want);
}

/* {kind: Certificate, metadata: {name: NAME}} from line `at` on. */
static struct kobject *small_packed(const char *name, unsigned long at)
{
	struct fnode *root = fnode_new(FN_MAP, at);
	struct fnode *meta = fnode_new(FN_MAP, at + 1);
	struct kobject *o;

	fnode_add_scalar(root, "kind", 4, "Certificate", 11, at);
	fnode_add_scalar(meta, "name", 4, name, strlen(name), at + 2);
	fnode_add(root, "metadata", 8, meta);
	o = kobject_from_tree(root, ORIGIN_YAML, "c.yaml", at);
	kobject_pack(o);
	return o;
}

/*
 * A freed object's block taken by a new one of the same size: the new
 * object gets its own tree, not the one decoded from the old bytes.
 */
static void test_thaw_reused_block(void **state)
{
	struct kobject *a = small_packed("app-1", 10), *b;
	const char *pa = a->pack;

	(void)state;
	assert_int_equal(fnode_find(kobject_root(a), "metadata.name")->line,
			 12);
	kobject_free(a);
	b = small_packed("app-2", 20);
#if !defined(__SANITIZE_ADDRESS__)
	/* The same block, reused (under ASan every block is a malloc). */
	assert_ptr_equal(b->pack, pa);
#else
	(void)pa;
#endif
	assert_int_equal(fnode_find(kobject_root(b), "metadata.name")->line,
			 22);
	assert_string_equal(fnode_find(kobject_root(b), "metadata.name")
			    ->value, "app-2");
	kobject_free(b);
}

/* kobject_root_mut(): the tree decoded for good, and it can grow. */
static void test_root_mut(void **state)
{
	struct kobject *o = packed(3);
	struct fnode *want = cert_tree(3), *r, *x;

	(void)state;
	r = kobject_root_mut(o);
	assert_ptr_equal(o->root, r);
	assert_null(o->frozen);
	assert_true(fnode_same(r, want));
	assert_ptr_equal(kobject_root(o), r);
	x = fnode_add(r, "x509", 4, fnode_new(FN_MAP, 20));
	fnode_add_scalar(x, "notAfter", 8, "2024-07-30T09:01:00Z", 20, 20);
	fnode_add_scalar((struct fnode *)fnode_find(r, "spec.dnsNames"), NULL,
			 0, "api.example.com", 15, 21);
	assert_int_equal(fnode_find(kobject_root(o), "spec.dnsNames")->nkids,
			 3);
	assert_string_equal(fnode_find(kobject_root(o), "x509.notAfter")
			    ->value, "2024-07-30T09:01:00Z");
	assert_ptr_equal(kobject_root_mut(o), r);
	kobject_free(o);
	fnode_free(want);
}

/* Two threads decoding the same objects, each into its own slots. */
static struct kobject *shared[64];

static void *thaw_all(void *arg)
{
	unsigned round, i;
	long bad = 0;

	(void)arg;
	for (round = 0; round < 20; round++)
		for (i = 0; i < 64; i++) {
			const struct fnode *n = fnode_find(
				kobject_root(shared[i]), "spec.secretName");

			bad += !n || strcmp(n->value, shared[i]->name);
		}
	fnode_thread_end();
	return (void *)bad;
}

static void test_thaw_threads(void **state)
{
	pthread_t t;
	void *bad_t, *bad_main;
	unsigned i;

	(void)state;
	for (i = 0; i < 64; i++)
		shared[i] = packed(500 + i);
	assert_int_equal(pthread_create(&t, NULL, thaw_all, NULL), 0);
	bad_main = thaw_all(NULL);
	assert_int_equal(pthread_join(t, &bad_t), 0);
	assert_null(bad_t);
	assert_null(bad_main);
	for (i = 0; i < 64; i++)
		kobject_free(shared[i]);
}

/*
 * kobject_ref(): the value fnode_find() gives at each path, for an object
 * as built, frozen, and decoded for good; scalar_only refuses a map that
 * has a value (describe makes those); a missing path gives NULL.
 */
static void check_refs(const struct kobject *o, const struct fnode *r)
{
	static const char *const paths[KREF_N] = {
		"spec.issuerRef.name", "spec.issuerRef.kind",
		"spec.secretName", "status.notAfter", "status.state",
	};
	int k;

	for (k = 0; k < KREF_N; k++) {
		const struct fnode *n = fnode_find(r, paths[k]);
		const char *want = n ? n->value : NULL;
		const char *got = kobject_ref(o, (enum kobject_ref_field)k, 0);

		if (want)
			assert_string_equal(got, want);
		else
			assert_null(got);
		want = n && n->type == FN_SCALAR ? n->value : NULL;
		got = kobject_ref(o, (enum kobject_ref_field)k, 1);
		if (want)
			assert_string_equal(got, want);
		else
			assert_null(got);
	}
}

static void test_refs(void **state)
{
	struct fnode *root = cert_tree(9);
	struct fnode *ir = fnode_new(FN_MAP, 20), *st;
	struct kobject *o;

	(void)state;
	fnode_add_scalar(ir, "name", 4, "letsencrypt-prod", 16, 21);
	fnode_add((struct fnode *)fnode_child(root, "spec"), "issuerRef", 9,
		  ir);
	/* status.state: a map with a value, as describe makes. */
	st = fnode_new(FN_MAP, 30);
	st->value = strdup("pending");
	fnode_add_scalar(st, "Detail", 6, "x", 1, 31);
	fnode_add((struct fnode *)fnode_child(root, "status"), "state", 5, st);
	o = kobject_from_tree(root, ORIGIN_DESCRIBE, "d.txt", 1);
	assert_non_null(o);
	check_refs(o, o->root);		/* as built */
	assert_string_equal(kobject_ref(o, KREF_ISSUER_NAME, 1),
			    "letsencrypt-prod");
	assert_string_equal(kobject_ref(o, KREF_STATE, 0), "pending");
	assert_null(kobject_ref(o, KREF_STATE, 1));
	assert_null(kobject_ref(o, KREF_ISSUER_KIND, 0));
	kobject_pack(o);
	assert_null(o->root);
	check_refs(o, kobject_root(o));	/* frozen */
	assert_string_equal(kobject_ref(o, KREF_SECRET_NAME, 1), o->name);
	kobject_root_mut(o);
	check_refs(o, o->root);		/* decoded for good */
	kobject_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_buffer),
		cmocka_unit_test(test_key_interned_later),
		cmocka_unit_test(test_freeze_same_tree),
		cmocka_unit_test(test_thaw_in_use_stays),
		cmocka_unit_test(test_thaw_reused_block),
		cmocka_unit_test(test_root_mut),
		cmocka_unit_test(test_thaw_threads),
		cmocka_unit_test(test_refs),
		cmocka_unit_test(test_tables_freed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
