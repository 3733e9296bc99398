/* The generator's library: the values the table is made of. */
int gen_value(int i) { return i * i; }
