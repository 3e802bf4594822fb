/*
 * RSPLIB's fractal parameter files (core/tools/fsf.c): a file as
 * RSPLIB's XMLFractalSave writes it, RSPLIB's defaults for what it
 * leaves out, and files that are not parameter files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/tools/fsf.h"
#include "testlib.h"

static char dir[] = "/tmp/test_fsf.XXXXXX";

static const char *
put(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

int
main(void)
{
	struct fgp_parameter p;
	const char *why = NULL;
	char **files = NULL;
	int n = 0, i;

	CHECK(mkdtemp(dir) != NULL);
	test_section("a whole file");
	memset(&p, 0, sizeof(p));
	p.width = 640;
	CHECK(fsf_load(put("b.fsf", "<FractalV1>\n <AlgorithmName>MandelbrotN"
	                            "</AlgorithmName>\n <C1Real> -2.0 </C1Real>"
	                            "<C1Imag>1.25</C1Imag><C2Real>0.5</C2Real>"
	                            "<C2Imag>-1.25</C2Imag><N>3</N>"
	                            "<MaxIterations>500</MaxIterations>\n"
	                            "</FractalV1>\n"),
	          &p, &why) == 0);
	CHECK(p.algorithm == FGP_ALG_MANDELBROT_N && p.c1_real == -2.0 &&
	      p.c1_imag == 1.25 && p.c2_real == 0.5 && p.c2_imag == -1.25 &&
	      p.n == 3.0 && p.max_iterations == 500 && p.width == 640);

	test_section("RSPLIB's defaults");
	CHECK(fsf_load(put("a.fsf",
	                   "<FractalV1><C1Real>-1</C1Real><C1Imag>1</C1Imag>"
	                   "<C2Real>1</C2Real><C2Imag>-1</C2Imag></FractalV1>"),
	          &p, &why) == 0);
	CHECK(p.algorithm == FGP_ALG_MANDELBROT && p.n == 2.0 &&
	      p.max_iterations == 123);

	test_section("not parameter files: named reasons, p untouched");
	CHECK(fsf_load(put("c.txt", "hello"), &p, &why) == -1 &&
	      strcmp(why, "not a FractalV1 file") == 0);
	CHECK(fsf_load(put("d.fsf", "<FractalV1><C1Real>x</C1Real>"
	                            "</FractalV1>"),
	          &p, &why) == -1 &&
	      strstr(why, "C1Real") != NULL);
	CHECK(fsf_load(put("e.fsf",
	                   "<FractalV1><C1Real>-1</C1Real><C1Imag>1</C1Imag>"
	                   "<C2Real>1</C2Real><C2Imag>-1</C2Imag>"
	                   "<MaxIterations>-5</MaxIterations></FractalV1>"),
	          &p, &why) == -1 &&
	      strcmp(why, "bad MaxIterations") == 0);
	CHECK(p.max_iterations == 123);
	CHECK(fsf_load("/nonexistent/x.fsf", &p, &why) == -1 &&
	      strcmp(why, "unreadable") == 0);

	test_section("the .fsf files of a directory, sorted");
	CHECK(fsf_list(dir, &files, &n) == 0 && n == 4);
	CHECK(n == 4 && strstr(files[0], "/a.fsf") &&
	      strstr(files[1], "/b.fsf") && strstr(files[3], "/e.fsf"));
	CHECK(fsf_list("/nonexistent", &files, &n) == -1);
	for (i = 0; i < n; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	free(files);
	unlink(put("c.txt", ""));
	rmdir(dir);
	return test_done();
}
