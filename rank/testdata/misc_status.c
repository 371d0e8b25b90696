/* misc_status.c: status accessors (MPI_Status_get/set_*), set_elements for
 * basic, derived and pair types with Get_count/Get_elements reading them
 * back, the _x and _c forms, Status_c2f/f2c, the handle conversions
 * (c2f/f2c) used for real calls, MPI_Get_hw_resource_info and the removal
 * of program-defined error classes, codes and strings. */
#include "mtest.h"
#include <stdlib.h>
#include <string.h>

static void status_fields(void) {
    MPI_Status st;
    memset(&st, 0xff, sizeof st);
    CHECK_CLASS(MPI_Status_set_source(&st, 3), MPI_SUCCESS);
    CHECK_CLASS(MPI_Status_set_tag(&st, 77), MPI_SUCCESS);
    CHECK_CLASS(MPI_Status_set_error(&st, MPI_ERR_TRUNCATE), MPI_SUCCESS);
    CHECK_CLASS(MPI_Status_set_cancelled(&st, 1), MPI_SUCCESS);
    int v = -1, flag = 0;
    MPI_Status_get_source(&st, &v);
    CHECK(v == 3 && st.MPI_SOURCE == 3, "source %d/%d", v, st.MPI_SOURCE);
    MPI_Status_get_tag(&st, &v);
    CHECK(v == 77 && st.MPI_TAG == 77, "tag %d", v);
    MPI_Status_get_error(&st, &v);
    CHECK(v == MPI_ERR_TRUNCATE && st.MPI_ERROR == MPI_ERR_TRUNCATE, "error %d", v);
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag == 1, "cancelled %d", flag);
    MPI_Status_set_cancelled(&st, 0);
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag == 0, "not cancelled %d", flag);

    /* A received status read back through the accessors. */
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int buf[5] = {1, 2, 3, 4, 5};
    MPI_Sendrecv(buf, 5, MPI_INT, (rank + 1) % size, 40 + rank, buf, 5, MPI_INT, (rank + size - 1) % size,
                 MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    MPI_Status_get_source(&st, &v);
    CHECK(v == (rank + size - 1) % size, "received source %d", v);
    MPI_Status_get_tag(&st, &v);
    CHECK(v == 40 + (rank + size - 1) % size, "received tag %d", v);
}

static void set_elements(void) {
    MPI_Status st;
    int n = -1;
    MPI_Count nc = -1;
    MPI_Status_set_elements(&st, MPI_INT, 7);
    MPI_Get_count(&st, MPI_INT, &n);
    CHECK(n == 7, "count of 7 ints: %d", n);
    MPI_Get_count(&st, MPI_BYTE, &n);
    CHECK(n == 28, "as bytes: %d", n);
    MPI_Get_count(&st, MPI_DOUBLE, &n);
    CHECK(n == MPI_UNDEFINED, "as doubles: %d", n);

    /* three ints and a double per element: 10 basic elements = 2 whole
     * elements (8) and 2 ints. */
    MPI_Datatype s, types[2] = {MPI_INT, MPI_DOUBLE};
    int lens[2] = {3, 1};
    MPI_Aint disp[2] = {0, 16};
    MPI_Type_create_struct(2, lens, disp, types, &s);
    MPI_Type_commit(&s);
    MPI_Status_set_elements(&st, s, 10);
    MPI_Get_elements(&st, s, &n);
    CHECK(n == 10, "elements of the struct: %d", n);
    MPI_Get_count(&st, s, &n);
    CHECK(n == MPI_UNDEFINED, "count of a partial struct: %d", n);
    MPI_Get_elements(&st, MPI_BYTE, &n);
    CHECK(n == 2 * 20 + 8, "bytes of 10 elements: %d", n);
    MPI_Status_set_elements(&st, s, 8);
    MPI_Get_count(&st, s, &n);
    CHECK(n == 2, "count of 2 structs: %d", n);
    MPI_Type_free(&s);

    /* pair types: one element is the value of the pair */
    MPI_Status_set_elements(&st, MPI_DOUBLE_INT, 3);
    MPI_Get_elements(&st, MPI_DOUBLE_INT, &n);
    CHECK(n == 3, "elements of DOUBLE_INT: %d", n);
    MPI_Get_count(&st, MPI_DOUBLE_INT, &n);
    CHECK(n == MPI_UNDEFINED, "count of 1.5 DOUBLE_INT: %d", n);

    MPI_Status_set_elements_x(&st, MPI_SHORT, (MPI_Count)1 << 20);
    MPI_Get_elements_x(&st, MPI_SHORT, &nc);
    CHECK(nc == (MPI_Count)1 << 20, "set_elements_x: %lld", (long long)nc);
    MPI_Status_set_elements_c(&st, MPI_CHAR, 99);
    MPI_Get_count_c(&st, MPI_CHAR, &nc);
    CHECK(nc == 99, "set_elements_c: %lld", (long long)nc);

    CHECK_CLASS(MPI_Status_set_elements(&st, MPI_INT, -1), MPI_ERR_COUNT);
    CHECK_CLASS(MPI_Status_set_elements(&st, MPI_DATATYPE_NULL, 1), MPI_ERR_TYPE);
    CHECK_CLASS(MPI_Status_set_elements(MPI_STATUS_IGNORE, MPI_INT, 1), MPI_ERR_ARG);
    CHECK_CLASS(MPI_Status_set_source(MPI_STATUS_IGNORE, 1), MPI_ERR_ARG);
    int v;
    CHECK_CLASS(MPI_Status_get_tag(MPI_STATUS_IGNORE, &v), MPI_ERR_ARG);
}

static void conversions(void) {
    MPI_Fint f = MPI_Comm_c2f(MPI_COMM_WORLD);
    MPI_Comm w = MPI_Comm_f2c(f);
    CHECK(w == MPI_COMM_WORLD, "Comm f2c(c2f(WORLD))");
    int size = 0, wsize = 0;
    CHECK_CLASS(MPI_Comm_size(w, &size), MPI_SUCCESS);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(size == wsize, "size through a converted handle %d", size);

    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm d2 = MPI_Comm_f2c(MPI_Comm_c2f(dup));
    CHECK(d2 == dup, "dup converted");
    MPI_Comm_free(&d2);
    CHECK(d2 == MPI_COMM_NULL, "freed through the converted handle");
    CHECK(MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_NULL)) == MPI_COMM_NULL, "COMM_NULL");

    MPI_Datatype t;
    MPI_Type_contiguous(3, MPI_INT, &t);
    MPI_Datatype t2 = MPI_Type_f2c(MPI_Type_c2f(t));
    int ts = 0;
    MPI_Type_size(t2, &ts);
    CHECK(t2 == t && ts == 12, "Type converted: size %d", ts);
    MPI_Type_free(&t);
    CHECK(MPI_Type_f2c(MPI_Type_c2f(MPI_DOUBLE)) == MPI_DOUBLE, "MPI_DOUBLE");

    MPI_Group g;
    MPI_Comm_group(MPI_COMM_WORLD, &g);
    CHECK(MPI_Group_f2c(MPI_Group_c2f(g)) == g, "Group");
    MPI_Group_free(&g);
    CHECK(MPI_Op_f2c(MPI_Op_c2f(MPI_SUM)) == MPI_SUM, "Op");
    CHECK(MPI_Info_f2c(MPI_Info_c2f(MPI_INFO_ENV)) == MPI_INFO_ENV, "Info");
    CHECK(MPI_Errhandler_f2c(MPI_Errhandler_c2f(MPI_ERRORS_RETURN)) == MPI_ERRORS_RETURN, "Errhandler");
    CHECK(MPI_Win_f2c(MPI_Win_c2f(MPI_WIN_NULL)) == MPI_WIN_NULL, "Win");
    CHECK(MPI_Message_f2c(MPI_Message_c2f(MPI_MESSAGE_NO_PROC)) == MPI_MESSAGE_NO_PROC, "Message");

    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Request r;
    int x = 5, y = 0;
    MPI_Irecv(&y, 1, MPI_INT, rank, 9, MPI_COMM_WORLD, &r);
    MPI_Fint rf = MPI_Request_c2f(r);
    MPI_Send(&x, 1, MPI_INT, rank, 9, MPI_COMM_WORLD);
    MPI_Request r2 = MPI_Request_f2c(rf);
    MPI_Wait(&r2, MPI_STATUS_IGNORE);
    CHECK(y == 5 && r2 == MPI_REQUEST_NULL, "request through its Fortran handle");

    MPI_Status st, back;
    MPI_Fint fst[MPI_F_STATUS_SIZE];
    MPI_Status_set_source(&st, 2);
    MPI_Status_set_tag(&st, 5);
    MPI_Status_set_elements(&st, MPI_INT, 4);
    CHECK_CLASS(MPI_Status_c2f(&st, fst), MPI_SUCCESS);
    CHECK_CLASS(MPI_Status_f2c(fst, &back), MPI_SUCCESS);
    int n = 0;
    MPI_Get_count(&back, MPI_INT, &n);
    CHECK(back.MPI_SOURCE == 2 && back.MPI_TAG == 5 && n == 4, "status through its Fortran form");
    CHECK_CLASS(MPI_Status_c2f(MPI_STATUS_IGNORE, fst), MPI_ERR_ARG);
}

static void hardware(void) {
    MPI_Info info;
    CHECK_CLASS(MPI_Get_hw_resource_info(&info), MPI_SUCCESS);
    int nkeys = 0, flag = 0, len = 0;
    MPI_Info_get_nkeys(info, &nkeys);
    CHECK(nkeys >= 3, "%d hardware keys", nkeys);
    char v[MPI_MAX_INFO_VAL];
    MPI_Info_get_string(info, "wasmpi_hw_processors", &len, v, &flag);
    (void)len;
    len = MPI_MAX_INFO_VAL;
    MPI_Info_get_string(info, "wasmpi_hw_processors", &len, v, &flag);
    CHECK(flag && atoi(v) >= 1, "processors %s", flag ? v : "(none)");
    len = MPI_MAX_INFO_VAL;
    MPI_Info_get_string(info, "wasmpi_hw_arch", &len, v, &flag);
    CHECK(flag && strcmp(v, "wasm32") == 0, "arch %s", flag ? v : "(none)");
    MPI_Info_free(&info);
    CHECK(info == MPI_INFO_NULL, "freed");
}

static void remove_errors(void) {
    int cls, code, code2, len, rc_cls;
    char s[MPI_MAX_ERROR_STRING];
    MPI_Add_error_class(&cls);
    MPI_Add_error_code(cls, &code);
    MPI_Add_error_code(cls, &code2);
    MPI_Add_error_string(code, "the first code");
    CHECK_CLASS(MPI_Remove_error_class(cls), MPI_ERR_ARG);      /* still has codes */
    CHECK_CLASS(MPI_Remove_error_code(cls), MPI_ERR_ARG);       /* a class, not a code */
    CHECK_CLASS(MPI_Remove_error_class(code), MPI_ERR_ARG);     /* a code, not a class */
    CHECK_CLASS(MPI_Remove_error_class(MPI_ERR_RANK), MPI_ERR_ARG); /* predefined */
    CHECK_CLASS(MPI_Remove_error_string(code2), MPI_ERR_ARG);   /* no string */
    CHECK_CLASS(MPI_Remove_error_string(code), MPI_SUCCESS);
    MPI_Error_string(code, s, &len);
    CHECK(strcmp(s, "the first code") != 0, "string removed: %s", s);
    CHECK_CLASS(MPI_Remove_error_code(code), MPI_SUCCESS);
    CHECK_CLASS(MPI_Remove_error_code(code), MPI_ERR_ARG);      /* already gone */
    CHECK_CLASS(MPI_Remove_error_code(code2), MPI_SUCCESS);
    CHECK_CLASS(MPI_Remove_error_class(cls), MPI_SUCCESS);
    rc_cls = MPI_Add_error_code(cls, &code);                     /* the class is gone */
    CHECK_CLASS(rc_cls, MPI_ERR_ARG);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    status_fields();
    set_elements();
    conversions();
    hardware();
    remove_errors();
    return mtest_finish();
}
