// The pages of list calls, as the layers above the domain name them (the repositories define them).
export type { Page, PageRequest } from '../storage/repositories/paging.js';
