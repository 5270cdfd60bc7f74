package evidence

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 uploads hold (s3Concurrency+1) parts of s3PartSize in memory, plus the
// first part, whatever the size of the file: about 20 MB.
const (
	s3PartSize    = 5 << 20 // S3's smallest part
	s3Concurrency = 2
)

// s3Store is one bucket of an S3-compatible store, reached through the AWS
// SDK's S3 client alone: not its config package, whose credential chain
// (SSO, STS, instance roles, profiles) would more than double the build for
// stores that are given a key pair.
type s3Store struct {
	client *s3.Client
	tm     *transfermanager.Client
	bucket string
}

// openS3 opens s3://BUCKET?PARAMS and checks that the bucket answers. The
// parameters, each optional:
//
//   - endpoint: the store's URL (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
//     else AWS itself);
//   - region (else AWS_REGION, AWS_DEFAULT_REGION, else us-east-1, which
//     MinIO and Garage also answer to);
//   - use_path_style=true: BUCKET in the path, not the host name (MinIO,
//     Garage, gofakes3);
//   - disable_https=true: http for an endpoint given without a scheme;
//   - anonymous=true: unsigned requests;
//   - request_checksum_calculation and response_checksum_validation
//     (when_supported, the default, or when_required, for stores that reject
//     the SDK's checksums).
//
// Credentials are AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for
// temporary ones, AWS_SESSION_TOKEN.
func openS3(ctx context.Context, u *url.URL) (*s3Store, error) {
	if u.Host == "" {
		return nil, errors.New("no bucket name")
	}
	o := s3.Options{
		Region: firstOf(os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), "us-east-1"),
	}
	if ep := firstOf(os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL")); ep != "" {
		o.BaseEndpoint = aws.String(ep)
	}
	anonymous := false
	for name, values := range u.Query() {
		v := values[len(values)-1]
		var err error
		switch name {
		case "endpoint":
			o.BaseEndpoint = aws.String(v)
		case "region":
			o.Region = v
		case "use_path_style":
			o.UsePathStyle, err = strconv.ParseBool(v)
		case "disable_https":
			o.EndpointOptions.DisableHTTPS, err = strconv.ParseBool(v)
		case "anonymous":
			anonymous, err = strconv.ParseBool(v)
		case "request_checksum_calculation":
			o.RequestChecksumCalculation, err = checksumWhen[aws.RequestChecksumCalculation](v,
				aws.RequestChecksumCalculationWhenSupported, aws.RequestChecksumCalculationWhenRequired)
		case "response_checksum_validation":
			o.ResponseChecksumValidation, err = checksumWhen[aws.ResponseChecksumValidation](v,
				aws.ResponseChecksumValidationWhenSupported, aws.ResponseChecksumValidationWhenRequired)
		default:
			return nil, fmt.Errorf("unknown parameter %q (known: endpoint, region, use_path_style, disable_https, anonymous, request_checksum_calculation, response_checksum_validation)", name)
		}
		if err != nil {
			return nil, fmt.Errorf("parameter %s=%q: %w", name, v, err)
		}
	}
	switch id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); {
	case anonymous:
		o.Credentials = aws.AnonymousCredentials{}
	case id != "" && secret != "":
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN"), Source: "environment"}, nil
		})
	default:
		return nil, errors.New("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or anonymous=true")
	}
	client := s3.New(o)
	s := &s3Store{
		client: client,
		bucket: u.Host,
		// The SDK's defaults would read the first 16 MB whole and keep six
		// 8 MB parts; the transfer manager takes its checksum setting from
		// here, not from the client.
		tm: transfermanager.New(client, func(to *transfermanager.Options) {
			to.PartSizeBytes = s3PartSize
			to.MultipartUploadThreshold = s3PartSize
			to.Concurrency = s3Concurrency
			to.RequestChecksumCalculation = o.RequestChecksumCalculation
		}),
	}
	if _, err := client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(s.bucket)}); err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("no such bucket: %w", err)
		}
		return nil, err
	}
	return s, nil
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// checksumWhen parses when_supported or when_required.
func checksumWhen[T ~int](v string, supported, required T) (T, error) {
	switch v {
	case "when_supported":
		return supported, nil
	case "when_required":
		return required, nil
	}
	return 0, errors.New("want when_supported or when_required")
}

// isNotFound tells a missing key or bucket from other failures: HEAD answers
// a bare 404, GET NoSuchKey.
func isNotFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound", "NoSuchBucket":
			return true
		}
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound
}

// s3Error makes a missing key an error wrapping os.ErrNotExist, as on disk.
func s3Error(err error) error {
	if err != nil && isNotFound(err) {
		return fmt.Errorf("%w: %w", os.ErrNotExist, err)
	}
	return err
}

func (s *s3Store) head(ctx context.Context, key string) (int64, time.Time, error) {
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return 0, time.Time{}, s3Error(err)
	}
	return aws.ToInt64(out.ContentLength), aws.ToTime(out.LastModified), nil
}

func (s *s3Store) get(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, 0, s3Error(err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// put uploads body, in parts of s3PartSize past the first one.
func (s *s3Store) put(ctx context.Context, key string, body io.Reader, mediaType string) error {
	_, err := s.tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
		Bucket:      aws.String(s.bucket),
		Key:         aws.String(key),
		Body:        body,
		ContentType: aws.String(mediaType),
	})
	return err
}

// touch renews the object's LastModified. S3 has no touch: copying an object
// onto itself with its metadata replaced does it without moving the bytes.
func (s *s3Store) touch(ctx context.Context, key, mediaType string) error {
	_, err := s.client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:            aws.String(s.bucket),
		Key:               aws.String(key),
		CopySource:        aws.String(s.bucket + "/" + key), // keys are [0-9a-z/] only
		MetadataDirective: s3types.MetadataDirectiveReplace,
		ContentType:       aws.String(mediaType),
	})
	return s3Error(err)
}

func (s *s3Store) list(ctx context.Context, prefix string, fn func(key string, modTime time.Time) error) error {
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, obj := range page.Contents {
			if err := fn(aws.ToString(obj.Key), aws.ToTime(obj.LastModified)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *s3Store) remove(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	return s3Error(err)
}
