/* What the C library's headers declare that the fixture headers use, as glibc spells it:
 * the unit tests' stand-in for the preprocessed system headers. */
typedef unsigned int __uid_t;
typedef __uid_t uid_t;
typedef long int __time_t;
typedef __time_t time_t;
typedef unsigned int uint32_t;
typedef unsigned short uint16_t;
struct sockaddr_storage { unsigned short ss_family; char __ss_padding[118]; };
