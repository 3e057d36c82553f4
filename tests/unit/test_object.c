/*
 * Path lookups in field trees (object.c), through the per-thread memo of
 * the segments looked up: a buffer that holds another path the next time
 * gets the other path's answer, a key no node had is found once a node
 * has it, and the memo does not outlive the tables it points into.
 */
#include "cm.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reused_buffer),
		cmocka_unit_test(test_key_interned_later),
		cmocka_unit_test(test_tables_freed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
