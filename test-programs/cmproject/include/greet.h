#ifndef GREET_H
#define GREET_H
#ifdef __cplusplus
extern "C" {
#endif
const char *greet(void);
const char *shout(void);
#ifdef __cplusplus
}
#endif
#endif
